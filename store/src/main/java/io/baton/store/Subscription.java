package io.baton.store;

/**
 * A registration made by {@link ClusterStore#watch}; closing it stops further deliveries.
 * {@link ClusterStore.Subscription} is the same contract, returned by {@code watch}.
 */
public interface Subscription extends AutoCloseable {

  /** Stops deliveries to the listener; idempotent, never throws. */
  @Override
  void close();
}
