/**
 * Encryption at rest of the cluster store (DESIGN §2, §5): AES-256-GCM records under the cluster's
 * data keys, the keys file that holds those keys wrapped by a manager's key-encryption key (KEK),
 * and the unlock key a KEK is derived from under autolock.
 *
 * <p>Key hierarchy: unlock key (operator, autolock only) → KEK (per manager: random and stored in
 * {@code keys/kek}, or derived from the unlock key and a per-manager salt) → data keys (shared by
 * the managers, replicated inside the encrypted store itself) → log entries and snapshots.
 */
package io.baton.store.encryption;
