package io.livedesk.server.privacy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Personal data is masked before storage; ordinary numbers (orders, prices) are left alone. */
class MaskingTest {

  private final Masking masking = new Masking(new PrivacyConfig(true, true, true, 0, 1000, true));

  @Test
  void aCardNumberKeepsOnlyItsLastFourDigits() {
    assertEquals("卡号 **** **** **** 1111 扣款了", masking.mask("卡号 4111 1111 1111 1111 扣款了"));
  }

  @Test
  void anOrderNumberThatIsNotACardStays() {
    assertEquals("订单 2024112312345678 没发货", masking.mask("订单 2024112312345678 没发货"));
  }

  @Test
  void aChineseMobileNumberIsMasked() {
    assertEquals("打我电话 *******5678", masking.mask("打我电话 13912345678"));
  }

  @Test
  void anInternationalNumberIsMasked() {
    assertEquals("call +** *** ***-4567", masking.mask("call +44 207 946-4567"));
  }

  @Test
  void anEmailAddressIsMasked() {
    assertEquals("write to j***@example.com please", masking.mask("write to jane.doe@example.com please"));
  }

  @Test
  void pricesAndShortNumbersStay() {
    assertEquals("价格 199 元, 2 件, size 38", masking.mask("价格 199 元, 2 件, size 38"));
  }

  @Test
  void aChineseIdCardNumberKeepsOnlyItsLastFour() {
    assertEquals("身份证 **************123X 谢谢", masking.mask("身份证 11010519491231123X 谢谢"));
    assertEquals("id **************1234", masking.mask("id 110105199003071234"));
  }

  @Test
  void fullWidthDigitsAreMaskedLikeAsciiOnes() {
    assertEquals("电话 *******５６７８", masking.mask("电话 １３９１２３４５６７８"));
    assertEquals("卡 **** **** **** １１１１", masking.mask("卡 ４１１１ １１１１ １１１１ １１１１"));
  }

  @Test
  void landlinesWithAnAreaCodeAreMasked() {
    assertEquals("座机 ***-****5678", masking.mask("座机 010-12345678"));
    assertEquals("座机 (****)***5678", masking.mask("座机 (0755)1235678"));
    assertEquals("座机 *******5678", masking.mask("座机 02112345678"));
  }

  @Test
  void aLongRunOfLettersIsMaskedInLinearTime() {
    // 3,000 room messages of 4,000 letters took seconds each with a quadratic email search.
    String text = "x".repeat(100_000);
    long started = System.nanoTime();
    assertEquals(text, masking.mask(text));
    assertTrue(System.nanoTime() - started < 2_000_000_000L, "masking 100,000 letters took too long");
  }

  @Test
  void nothingIsMaskedWhenSwitchedOff() {
    Masking off = new Masking(new PrivacyConfig(false, false, false, 0, 1000, false));
    assertEquals("13912345678 a@b.cn", off.mask("13912345678 a@b.cn"));
  }
}
