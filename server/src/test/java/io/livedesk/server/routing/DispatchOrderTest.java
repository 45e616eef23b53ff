package io.livedesk.server.routing;

import io.livedesk.protocol.Conversation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Who is offered first while agents are short. */
class DispatchOrderTest {

  private static Waiting waiting(String id, String tier, int rank, long queuedAt, long budgetMs) {
    return new Waiting(id, "c-" + id, tier, rank, "", new Deadline(queuedAt, queuedAt + budgetMs), true, "",
        Conversation.getDefaultInstance(), Set.of());
  }

  @Test
  void anUrgentConversationGoesBeforeANormalOneDueEarlier() {
    // queued 21 s ago with 30 s: due in 9 s; the urgent one asked now is due in 10 s
    Waiting normal = waiting("n", "normal", 1, 0, 30_000);
    Waiting urgent = waiting("u", "urgent", 0, 21_000, 10_000);
    List<Waiting> queue = new ArrayList<>(List.of(normal, urgent));
    queue.sort(Waiting.DISPATCH_ORDER);
    assertEquals(List.of("u", "n"), queue.stream().map(Waiting::conversationId).toList());
  }

  @Test
  void withinATierTheEarliestDeadlineGoesFirst() {
    Waiting later = waiting("late", "low", 2, 5_000, 120_000);
    Waiting earlier = waiting("early", "low", 2, 1_000, 120_000);
    Waiting breached = waiting("breached", "low", 2, -200_000, 120_000);
    List<Waiting> queue = new ArrayList<>(List.of(later, earlier, breached));
    queue.sort(Waiting.DISPATCH_ORDER);
    assertEquals(List.of("breached", "early", "late"), queue.stream().map(Waiting::conversationId).toList());
  }
}
