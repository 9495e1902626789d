package io.baton.bench;

/** A benchmark run that could not be completed (a node did not start, a call failed, a timeout). */
final class BenchException extends RuntimeException {
  BenchException(String message) {
    super(message);
  }
}
