package io.baton.ca;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Random object identifiers (node ids, cluster ids): 25 lowercase base36 characters.
 *
 * <p>Ids are drawn uniformly from all {@code 36^25} (about 2^129) strings by rejection sampling, so
 * they carry about 129 bits of entropy and are unguessable as long as the caller passes a
 * cryptographically strong {@link SecureRandom}. An id is a name, not a secret.
 */
public final class Identifiers {
  /** Length of every id. */
  public static final int LENGTH = 25;

  private static final BigInteger BOUND = BigInteger.valueOf(36).pow(LENGTH);
  private static final int BITS = BOUND.bitLength();

  private Identifiers() {}

  /** A fresh uniformly random id. */
  public static String newId(SecureRandom rnd) {
    BigInteger candidate;
    do {
      candidate = new BigInteger(BITS, rnd);
    } while (candidate.compareTo(BOUND) >= 0);
    return Base36.padded(candidate, LENGTH);
  }

  /** True if {@code id} is exactly 25 characters of {@code [0-9a-z]}. */
  public static boolean isValidId(String id) {
    return Base36.isBase36(id, LENGTH);
  }
}
