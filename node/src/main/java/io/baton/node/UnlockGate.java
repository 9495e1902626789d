package io.baton.node;

import io.baton.api.UnlockGrpc;
import io.baton.api.UnlockRequest;
import io.baton.api.UnlockResponse;
import io.baton.ca.InvalidUnlockKeyException;
import io.baton.ca.UnlockKey;
import io.baton.store.StoreException;
import io.baton.store.encryption.InvalidUnlockKey;
import io.baton.store.encryption.KeysDir;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a restarting manager whose keys are locked (autolock) until the operator gives the unlock
 * key through {@code control.sock}: the socket then serves only {@code Unlock}, every control method
 * is refused, and nothing listens on the network. A wrong key is refused and may be tried again;
 * the key itself is never logged.
 */
final class UnlockGate {
  private static final Logger log = LoggerFactory.getLogger(UnlockGate.class);

  /** Time the unlocking client has to read its answer before the gate closes. */
  private static final java.time.Duration ANSWER_WAIT = java.time.Duration.ofSeconds(2);

  private UnlockGate() {}

  /** Blocks until an unlock key opens {@code keys}, and returns what it opened. */
  static KeysDir.Opened await(StateDir dir, KeysDir keys) throws IOException, InterruptedException {
    CompletableFuture<KeysDir.Opened> opened = new CompletableFuture<>();
    UnlockGrpc.UnlockImplBase service = new UnlockGrpc.UnlockImplBase() {
      @Override
      public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
        try {
          KeysDir.Opened result = keys.open(UnlockKey.parse(request.getUnlockKey()));
          observer.onNext(UnlockResponse.getDefaultInstance());
          observer.onCompleted();
          opened.complete(result);
        } catch (InvalidUnlockKeyException e) {
          observer.onError(Status.INVALID_ARGUMENT.withDescription("invalid unlock key: " + e.getMessage())
              .asRuntimeException());
        } catch (InvalidUnlockKey e) {
          log.warn("an unlock attempt with a wrong key was refused");
          observer.onError(Status.INVALID_ARGUMENT.withDescription("invalid unlock key: " + e.getMessage())
              .asRuntimeException());
        } catch (StoreException e) {
          observer.onError(Status.DATA_LOSS.withDescription(e.getMessage()).asRuntimeException());
          opened.completeExceptionally(e);
        }
      }
    };
    log.warn("this manager is locked (autolock): run 'baton unlock --state-dir {}' and enter the unlock key", dir.root());
    try (LocalControl gate = LocalControl.startLocked(dir.controlSocket(), service.bindService())) {
      KeysDir.Opened result = opened.get();
      gate.awaitIdle(ANSWER_WAIT);
      return result;
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }
}
