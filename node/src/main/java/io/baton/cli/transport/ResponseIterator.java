package io.baton.cli.transport;

import io.grpc.MethodDescriptor;
import java.io.InputStream;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The responses of one server-streaming {@link LocalCall}, parsed lazily with the method's own
 * marshaller. Waits as long as the node takes for each response. Once the stream ends — OK, an
 * error status (thrown once, as {@link io.grpc.StatusRuntimeException}) or a lost connection — the
 * call is closed and {@code onEnd} runs. For one thread.
 */
final class ResponseIterator<R> implements Iterator<R> {
  private final MethodDescriptor<?, R> method;
  private final LocalCall call;
  private final Runnable onEnd;
  private R next;
  private boolean ended;

  ResponseIterator(MethodDescriptor<?, R> method, LocalCall call, Runnable onEnd) {
    this.method = method;
    this.call = call;
    this.onEnd = onEnd;
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (ended) {
      return false;
    }
    try {
      InputStream message = call.next();
      if (message == null) {
        end();
        return false;
      }
      next = method.parseResponse(message);
      return true;
    } catch (RuntimeException e) {
      end();
      throw e;
    }
  }

  @Override
  public R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    R response = next;
    next = null;
    return response;
  }

  private void end() {
    ended = true;
    call.close();
    onEnd.run();
  }
}
