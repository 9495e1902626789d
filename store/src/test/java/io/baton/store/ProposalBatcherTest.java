package io.baton.store;

import static io.baton.store.StoreTxTest.bigTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.baton.api.store.StoreAction;
import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreObject;
import io.baton.api.store.StoreProposal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The batcher against a sink the test answers by hand. */
@Timeout(30)
class ProposalBatcherTest {

  /** Long enough for the batcher thread to act on anything it was going to act on. */
  private static final long QUIET_MS = 200;

  private final Sink sink = new Sink();
  private ProposalBatcher batcher;

  @AfterEach
  void close() {
    if (batcher != null) {
      batcher.close();
    }
  }

  @Test
  void proposalsWaitingTogetherShareABatchAndEachGetsItsOwnResult() throws Exception {
    batcher = new ProposalBatcher("test", sink, 1);
    CompletableFuture<ApplyResult> first = batcher.submit(proposal(0));
    Submitted inFlight = sink.next();
    List<CompletableFuture<ApplyResult>> waiting = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      waiting.add(batcher.submit(proposal(i)));
    }
    sink.assertNothingSubmitted();

    inFlight.answer(List.of(ApplyResult.APPLIED));
    Submitted second = sink.next();
    List<ApplyResult> results = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      results.add(i % 3 == 0 ? ApplyResult.conflict("r" + i) : ApplyResult.rejected("r" + i));
    }
    second.answer(results);

    assertThat(inFlight.ids()).containsExactly(0L);
    assertThat(second.ids()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(first.get()).isEqualTo(ApplyResult.APPLIED);
    for (int i = 1; i <= 9; i++) {
      assertThat(waiting.get(i - 1).get()).isEqualTo(results.get(i - 1));
    }
  }

  @Test
  void batchesStayWithinTheSizeCapAndKeepTheOrder() throws Exception {
    batcher = new ProposalBatcher("test", sink, 1);
    batcher.submit(proposal(0));
    Submitted blocker = sink.next();
    ByteString payload = ByteString.copyFrom(new byte[600 * 1024]);
    List<CompletableFuture<ApplyResult>> results = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      results.add(batcher.submit(i % 2 == 1 ? bigProposal(i, payload) : proposal(i)));
    }
    blocker.answer(List.of(ApplyResult.APPLIED));

    List<Long> order = new ArrayList<>();
    while (order.size() < 7) {
      Submitted s = sink.next();
      assertThat(s.batch().getSerializedSize()).isLessThanOrEqualTo(ClusterStore.MAX_PROPOSAL_BYTES);
      order.addAll(s.ids());
      s.answer(s.batch().getProposalsList().stream().map(p -> ApplyResult.APPLIED).toList());
    }

    assertThat(order).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    for (CompletableFuture<ApplyResult> r : results) {
      assertThat(r.get()).isEqualTo(ApplyResult.APPLIED);
    }
  }

  @Test
  void atMostMaxInFlightBatchesAreOutstanding() throws Exception {
    batcher = new ProposalBatcher("test", sink, 2);
    batcher.submit(proposal(0));
    Submitted a = sink.next();
    batcher.submit(proposal(1));
    Submitted b = sink.next();
    CompletableFuture<ApplyResult> third = batcher.submit(proposal(2));
    sink.assertNothingSubmitted();

    b.answer(List.of(ApplyResult.APPLIED));
    Submitted c = sink.next();

    assertThat(c.ids()).containsExactly(2L);
    assertThat(third).isNotDone();
    c.answer(List.of(ApplyResult.APPLIED));
    a.answer(List.of(ApplyResult.APPLIED));
    assertThat(third.get()).isEqualTo(ApplyResult.APPLIED);
  }

  @Test
  void aFailedBatchFailsEachOfItsProposalsWithTheSinksError() throws Exception {
    batcher = new ProposalBatcher("test", sink, 1);
    batcher.submit(proposal(0));
    Submitted blocker = sink.next();
    CompletableFuture<ApplyResult> one = batcher.submit(proposal(1));
    CompletableFuture<ApplyResult> two = batcher.submit(proposal(2));
    blocker.answer(List.of(ApplyResult.APPLIED));
    IllegalStateException boom = new IllegalStateException("disk on fire");

    sink.next().reply().completeExceptionally(boom);

    for (CompletableFuture<ApplyResult> f : List.of(one, two)) {
      assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCause(boom);
    }
    CompletableFuture<ApplyResult> next = batcher.submit(proposal(3));
    sink.next().answer(List.of(ApplyResult.APPLIED, ApplyResult.APPLIED));
    assertThatThrownBy(next::get)
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("a batch of 1 proposals got 2 results");
  }

  @Test
  void aWithdrawnProposalIsNotSent() throws Exception {
    batcher = new ProposalBatcher("test", sink, 1);
    batcher.submit(proposal(0));
    Submitted blocker = sink.next();
    CompletableFuture<ApplyResult> withdrawn = batcher.submit(proposal(1));
    CompletableFuture<ApplyResult> kept = batcher.submit(proposal(2));
    withdrawn.cancel(false);

    blocker.answer(List.of(ApplyResult.APPLIED));
    Submitted next = sink.next();
    next.answer(List.of(ApplyResult.APPLIED));

    assertThat(next.ids()).containsExactly(2L);
    assertThat(kept.get()).isEqualTo(ApplyResult.APPLIED);
  }

  @Test
  void closeFailsTheWaitingProposalsAndLaterOnes() throws Exception {
    batcher = new ProposalBatcher("test", sink, 1);
    CompletableFuture<ApplyResult> sent = batcher.submit(proposal(0));
    Submitted inFlight = sink.next();
    CompletableFuture<ApplyResult> waiting = batcher.submit(proposal(1));

    batcher.close();
    CompletableFuture<ApplyResult> late = batcher.submit(proposal(2));
    inFlight.answer(List.of(ApplyResult.APPLIED));

    for (CompletableFuture<ApplyResult> f : List.of(waiting, late)) {
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(StoreException.Unavailable.class)
          .hasMessageContaining("shut down");
    }
    assertThat(sent.get()).isEqualTo(ApplyResult.APPLIED);
    sink.assertNothingSubmitted();
  }

  @Test
  void aProposalThatCannotFitAnEntryIsRefused() {
    batcher = new ProposalBatcher("test", sink, 1);
    ByteString payload = ByteString.copyFrom(new byte[ClusterStore.MAX_PROPOSAL_BYTES]);

    assertThatThrownBy(() -> batcher.submit(bigProposal(1, payload)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit a log entry");
  }

  /** A one-action proposal told apart by its {@code proposed_at_ms}. */
  private static StoreProposal proposal(long id) {
    return StoreProposal.newBuilder()
        .setProposedAtMs(id)
        .addActions(
            StoreAction.newBuilder()
                .setPut(StoreObject.newBuilder().setNode(StoreFixture.node("n" + id))))
        .build();
  }

  private static StoreProposal bigProposal(long id, ByteString payload) {
    return StoreProposal.newBuilder()
        .setProposedAtMs(id)
        .addActions(
            StoreAction.newBuilder()
                .setPut(StoreObject.newBuilder().setTask(bigTask("t" + id, payload))))
        .build();
  }

  private record Submitted(StoreBatch batch, CompletableFuture<List<ApplyResult>> reply) {
    List<Long> ids() {
      return batch.getProposalsList().stream().map(StoreProposal::getProposedAtMs).toList();
    }

    void answer(List<ApplyResult> results) {
      reply.complete(results);
    }
  }

  /** Records each batch with a reply future the test completes. */
  private static final class Sink implements ProposalBatcher.Sink {
    private final LinkedBlockingQueue<Submitted> submitted = new LinkedBlockingQueue<>();

    @Override
    public CompletableFuture<List<ApplyResult>> submit(StoreBatch batch) {
      CompletableFuture<List<ApplyResult>> reply = new CompletableFuture<>();
      submitted.add(new Submitted(batch, reply));
      return reply;
    }

    Submitted next() throws InterruptedException {
      Submitted s = submitted.poll(10, TimeUnit.SECONDS);
      assertThat(s).as("a batch reached the sink").isNotNull();
      return s;
    }

    void assertNothingSubmitted() throws InterruptedException {
      assertThat(submitted.poll(QUIET_MS, TimeUnit.MILLISECONDS)).isNull();
    }
  }
}
