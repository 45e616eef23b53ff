package io.livedesk.protocol;

/** What decoding a text came to: the frame, or the refusal's code and message. Compared by value. */
record Outcome(Frame frame, ErrorCode code, String message) {

  interface Decoding {
    Frame decode() throws FrameException;
  }

  static Outcome of(Decoding decoding) {
    try {
      return new Outcome(decoding.decode(), null, null);
    } catch (FrameException e) {
      return new Outcome(null, e.code(), e.getMessage());
    }
  }

  boolean refused() {
    return frame == null;
  }
}
