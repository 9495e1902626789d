package io.baton.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.baton.ca.Credentials;
import io.baton.ca.EncryptedKeyPem;
import io.baton.ca.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/**
 * A node's state directory, in the fixed layout of DESIGN §5. Every file is written atomically
 * (temporary file, then rename), the directory is 0700 and the private key 0600, so a crash never
 * leaves a half-written certificate or key and other local users read nothing.
 */
public record StateDir(Path root) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> KEY_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC_MODE = PosixFilePermissions.fromString("rw-r--r--");

  public StateDir {
    root = root.toAbsolutePath().normalize();
  }

  public Path controlSocket() {
    return root.resolve("control.sock");
  }

  public Path nodeJson() {
    return root.resolve("node.json");
  }

  public Path rootCaCert() {
    return root.resolve("certificates/root-ca.crt");
  }

  public Path nodeCert() {
    return root.resolve("certificates/node.crt");
  }

  public Path nodeKey() {
    return root.resolve("certificates/node.key");
  }

  public Path raftDir() {
    return root.resolve("raft");
  }

  public Path keysDir() {
    return root.resolve("keys");
  }

  /** True if a node was ever created here. */
  public boolean holdsNode() {
    return Files.exists(nodeJson());
  }

  /** Creates the directory tree with owner-only permissions; {@code manager} adds raft/ and keys/. */
  public void create(boolean manager) throws IOException {
    for (Path dir : manager
        ? List.of(root, root.resolve("certificates"), raftDir(), keysDir())
        : List.of(root, root.resolve("certificates"))) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, DIR_MODE);
    }
  }

  public NodeFile readNodeFile() throws IOException {
    return JSON.readValue(nodeJson().toFile(), NodeFile.class);
  }

  public void writeNodeFile(NodeFile file) throws IOException {
    writeAtomically(nodeJson(), JSON.writeValueAsBytes(file), PUBLIC_MODE);
  }

  public void writeRoot(X509Certificate root) throws IOException {
    writeRoots(List.of(root));
  }

  /** Writes the trusted roots (two during a root rotation). */
  public void writeRoots(List<X509Certificate> roots) throws IOException {
    writeAtomically(rootCaCert(), Pem.encodeCertificates(roots).getBytes(StandardCharsets.US_ASCII), PUBLIC_MODE);
  }

  /**
   * Writes new trusted roots and the chain the node presents with them (same leaf and key), chain
   * first: either order leaves a usable pair, since a starting node recomputes the chain from the roots.
   */
  public void writeRootsAndChain(List<X509Certificate> roots, List<X509Certificate> chain) throws IOException {
    writeAtomically(nodeCert(), Pem.encodeCertificates(chain).getBytes(StandardCharsets.US_ASCII), PUBLIC_MODE);
    writeRoots(roots);
  }

  public List<X509Certificate> readRoots() throws IOException {
    try {
      return Pem.decodeCertificates(Files.readString(rootCaCert()));
    } catch (CertificateException e) {
      throw new IOException("unreadable root CA certificate " + rootCaCert() + ": " + e.getMessage(), e);
    }
  }

  /** Writes the key first, then the certificate, so a crash in between leaves the old pair usable. */
  public void writeCredentials(Credentials credentials) throws IOException {
    writeCredentials(credentials, null);
  }

  /**
   * {@link #writeCredentials(Credentials)} with the key encrypted under {@code keyPassword}
   * (encrypted PKCS#8), or in the clear when it is null.
   */
  public void writeCredentials(Credentials credentials, char[] keyPassword) throws IOException {
    String keyPem;
    try {
      keyPem = keyPassword == null
          ? Pem.encodePrivateKey(credentials.key())
          : EncryptedKeyPem.encode(credentials.key(), keyPassword, new java.security.SecureRandom());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encrypt the node key: " + e.getMessage(), e);
    }
    writeAtomically(nodeKey(), keyPem.getBytes(StandardCharsets.US_ASCII), KEY_MODE);
    writeAtomically(nodeCert(), Pem.encodeCertificates(credentials.chain()).getBytes(StandardCharsets.US_ASCII), PUBLIC_MODE);
  }

  public Credentials readCredentials() throws IOException {
    return readCredentials(null);
  }

  /**
   * The node's key and certificate chain; {@code keyPassword} opens a key written encrypted.
   *
   * @throws IOException if they cannot be read, or the key is encrypted and the password is
   *     missing or wrong
   */
  public Credentials readCredentials(char[] keyPassword) throws IOException {
    try {
      String keyPem = Files.readString(nodeKey());
      if (EncryptedKeyPem.isEncrypted(keyPem) && keyPassword == null) {
        throw new IOException(nodeKey() + " is encrypted (autolock): the manager must be unlocked first");
      }
      return new Credentials(
          EncryptedKeyPem.isEncrypted(keyPem) ? EncryptedKeyPem.decode(keyPem, keyPassword) : Pem.decodePrivateKey(keyPem),
          Pem.decodeCertificates(Files.readString(nodeCert())));
    } catch (GeneralSecurityException e) {
      throw new IOException("unreadable node certificate or key in " + root.resolve("certificates") + ": "
          + e.getMessage(), e);
    }
  }

  private static void writeAtomically(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(mode));
    Files.write(tmp, content);
    try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
