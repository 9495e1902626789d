package io.baton.store;

import io.baton.api.store.StoreBatch;
import io.baton.api.store.StoreProposal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs the proposals of concurrent updates into shared Raft log entries ({@link StoreBatch}), so
 * that one entry, and one fsync, commits many changes.
 *
 * <p>One daemon thread takes the waiting proposals in submission order, as many as fit in
 * {@link ClusterStore#MAX_PROPOSAL_BYTES}, hands them to the {@link Sink} as one batch and
 * completes each proposal's future with its own result. At most {@code maxInFlight} batches are
 * submitted and not yet answered at a time; while they are, the next batch collects. No delay is
 * added: a proposal that finds the pipeline idle goes out at once, alone.
 *
 * <p>Ordering: batches reach the sink in the order they were formed, and proposals keep their
 * submission order within and across batches. Proposals submitted by one thread one after the
 * other therefore reach the log in that order.
 *
 * <p>Thread-safe. {@link #close} fails the proposals still waiting; those already handed to the
 * sink complete as the sink's futures do.
 */
final class ProposalBatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProposalBatcher.class);

  /** How long {@link #close} waits for the batcher thread to stop; it never blocks for long. */
  private static final long CLOSE_WAIT_MS = 1_000;

  /** Where batches go: usually the local Raft server. */
  @FunctionalInterface
  interface Sink {
    /**
     * Submits one batch. The future completes with one result per proposal, in batch order, once
     * the batch is applied on this peer, or exceptionally with why it was not (that exception is
     * what each proposal's future fails with). Must not block.
     */
    CompletableFuture<List<ApplyResult>> submit(StoreBatch batch);
  }

  private record Pending(StoreProposal proposal, int bytes, CompletableFuture<ApplyResult> result) {}

  private final Sink sink;
  private final Semaphore inFlight;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  /** A proposal taken from the queue that did not fit the last batch; batcher thread only. */
  private Pending carried;

  /**
   * @param maxInFlight batches submitted to the sink and not yet answered, at most (at least 1)
   */
  ProposalBatcher(String peerId, Sink sink, int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.sink = Objects.requireNonNull(sink, "sink");
    this.inFlight = new Semaphore(maxInFlight);
    this.thread = new Thread(this::run, "baton-store-batcher-" + peerId);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues a proposal for the next batch. The future completes with its result once its batch is
   * applied on this peer, or exceptionally with the sink's failure, or with
   * {@link StoreException.Unavailable} if the batcher closed before the proposal left. Cancelling
   * the future before its batch is formed withdraws the proposal; after that it has no effect.
   *
   * @throws IllegalArgumentException if the proposal alone exceeds {@link
   *     ClusterStore#MAX_PROPOSAL_BYTES} in an entry
   */
  CompletableFuture<ApplyResult> submit(StoreProposal proposal) {
    int bytes = StoreTx.entrySize(proposal);
    if (bytes > ClusterStore.MAX_PROPOSAL_BYTES) {
      throw new IllegalArgumentException(
          "a proposal of "
              + bytes
              + " bytes does not fit a log entry of "
              + ClusterStore.MAX_PROPOSAL_BYTES
              + " bytes");
    }
    Pending pending = new Pending(proposal, bytes, new CompletableFuture<>());
    queue.add(pending);
    if (closed) {
      failWaiting();
    }
    return pending.result();
  }

  private void run() {
    try {
      while (!closed) {
        inFlight.acquire();
        List<Pending> batch = nextBatch();
        if (batch.isEmpty()) {
          inFlight.release();
        } else {
          send(batch);
        }
      }
    } catch (InterruptedException closing) {
      // close() interrupts the thread; waiting proposals are failed below
    } catch (RuntimeException e) {
      log.error("the store's proposal batcher stopped", e);
    } finally {
      closed = true;
      failWaiting();
    }
  }

  /**
   * Blocks for the first waiting proposal, then adds those behind it while the entry stays within
   * the cap. Withdrawn proposals are skipped; the result is empty if all were.
   */
  private List<Pending> nextBatch() throws InterruptedException {
    List<Pending> batch = new ArrayList<>();
    int bytes = 0;
    Pending next = carried != null ? carried : queue.take();
    carried = null;
    while (next != null) {
      if (!next.result().isDone()) {
        if (!batch.isEmpty() && bytes + next.bytes() > ClusterStore.MAX_PROPOSAL_BYTES) {
          carried = next;
          break;
        }
        batch.add(next);
        bytes += next.bytes();
      }
      next = queue.poll();
    }
    return batch;
  }

  private void send(List<Pending> batch) {
    StoreBatch.Builder entry = StoreBatch.newBuilder();
    batch.forEach(p -> entry.addProposals(p.proposal()));
    CompletableFuture<List<ApplyResult>> reply;
    try {
      reply = sink.submit(entry.build());
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete(
        (results, error) -> {
          inFlight.release();
          if (error == null && results.size() != batch.size()) {
            error =
                new IllegalStateException(
                    "a batch of " + batch.size() + " proposals got " + results.size() + " results");
          }
          if (error != null) {
            Throwable cause = unwrap(error);
            batch.forEach(p -> p.result().completeExceptionally(cause));
            return;
          }
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(results.get(i));
          }
        });
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private void failWaiting() {
    StoreException.Unavailable shutDown =
        new StoreException.Unavailable("the cluster store is shut down");
    Pending c = Thread.currentThread() == thread ? carried : null;
    if (c != null) {
      c.result().completeExceptionally(shutDown);
    }
    for (Pending p; (p = queue.poll()) != null; ) {
      p.result().completeExceptionally(shutDown);
    }
  }

  /** Stops taking proposals and fails those still waiting; idempotent. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(CLOSE_WAIT_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    failWaiting();
  }
}
