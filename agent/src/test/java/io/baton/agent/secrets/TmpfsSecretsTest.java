package io.baton.agent.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.baton.agent.exec.ExecutorException;
import io.baton.api.AssignedSecret;
import io.baton.api.ContainerSpec;
import io.baton.api.SecretReference;
import io.baton.api.Task;
import io.baton.api.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TmpfsSecretsTest {
  @TempDir Path tmp;
  private final SecretValues values = new SecretValues();
  private TmpfsSecrets secrets;

  @BeforeEach
  void open() {
    secrets = TmpfsSecrets.open(tmp.resolve("secrets"), values);
    Assumptions.assumeTrue(secrets.unavailable().isEmpty(),
        () -> "skipped: cannot mount a tmpfs here: " + secrets.unavailable().orElseThrow());
  }

  @AfterEach
  void close() {
    secrets.close();
  }

  @Test
  void mountsATmpfsWithTheRequiredOptions() throws Exception {
    Mounts.Mount mount = Mounts.at(secrets.root()).orElseThrow();
    assertThat(mount.fsType()).isEqualTo("tmpfs");
    assertThat(mount.options()).contains("nosuid", "nodev", "noexec");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.root()))).isEqualTo("rwx------");
  }

  @Test
  void writesOnlyAssignedSecretsAs0400FilesInA0700TaskDirectoryAndReleasesThem() throws Exception {
    values.replace(List.of(secret("s1", "db", "hunter2")));
    Path dir = secrets.materialise(task("t1", ref("s1", "db", "db-password"))).orElseThrow();
    assertThat(dir).isEqualTo(secrets.root().resolve("t1"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    Path file = dir.resolve("db-password");
    assertThat(Files.readString(file)).isEqualTo("hunter2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--------");

    secrets.release("t1");
    assertThat(Files.exists(dir)).isFalse();
    secrets.release("t1");
  }

  @Test
  void refusesATaskWhoseSecretIsNotInTheAssignmentSet() {
    values.replace(List.of(secret("s1", "db", "hunter2")));
    assertThatThrownBy(() -> secrets.materialise(task("t2", ref("s1", "db", "db"), ref("s9", "other", "other"))))
        .isInstanceOf(ExecutorException.class)
        .hasMessage("secret other was not assigned to this node");
    assertThat(Files.exists(secrets.root().resolve("t2"))).isFalse();
  }

  @Test
  void aTaskWithoutSecretsGetsNoDirectory() throws Exception {
    assertThat(secrets.materialise(task("t3"))).isEmpty();
  }

  @Test
  void reopeningDeletesLeftoversOfACrash() throws Exception {
    values.replace(List.of(secret("s1", "db", "hunter2")));
    Path dir = secrets.materialise(task("t4", ref("s1", "db", "db"))).orElseThrow();
    TmpfsSecrets again = TmpfsSecrets.open(secrets.root(), values);
    assertThat(again.unavailable()).isEmpty();
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void aMountLeftByAKilledAgentIsUnmountedAtTheNextCleanStop() throws Exception {
    // the first instance is never closed, as when its node is killed; a restarted node reuses the mount
    TmpfsSecrets restarted = TmpfsSecrets.open(secrets.root(), values);
    assertThat(restarted.unavailable()).isEmpty();
    restarted.close();
    assertThat(Mounts.at(secrets.root())).isEmpty();
    assertThat(Files.exists(secrets.root())).isFalse();
    secrets = TmpfsSecrets.open(secrets.root(), values); // for close() after the test
  }

  @Test
  void anOperatorsOwnTmpfsStaysMounted() throws Exception {
    Path own = tmp.resolve("operator");
    Files.createDirectories(own);
    Assumptions.assumeTrue(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "nosuid,nodev,noexec,mode=0700", "operator-tmpfs",
        own.toString()).inheritIO().start().waitFor() == 0, "skipped: cannot mount a tmpfs here");
    try {
      TmpfsSecrets onOwn = TmpfsSecrets.open(own, values);
      assertThat(onOwn.unavailable()).isEmpty();
      onOwn.close();
      assertThat(Mounts.at(own)).hasValueSatisfying(m -> assertThat(m.source()).isEqualTo("operator-tmpfs"));
    } finally {
      new ProcessBuilder("umount", own.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void refusesSecretsOnAFilesystemThatIsNotTmpfs() throws Exception {
    Path disk = Path.of("/var/tmp").resolve("baton-not-tmpfs-" + ProcessHandle.current().pid());
    Files.createDirectories(disk);
    try {
      Assumptions.assumeTrue(new ProcessBuilder("mount", "--bind", disk.toString(), disk.toString())
          .inheritIO().start().waitFor() == 0, "skipped: cannot bind-mount here");
      Assumptions.assumeFalse(Mounts.at(disk).orElseThrow().fsType().equals("tmpfs"), "skipped: /var/tmp is tmpfs");
      TmpfsSecrets onDisk = TmpfsSecrets.open(disk, values);
      assertThat(onDisk.unavailable()).hasValueSatisfying(r -> assertThat(r).contains("is not a tmpfs mount"));
      values.replace(List.of(secret("s1", "db", "hunter2")));
      assertThatThrownBy(() -> onDisk.materialise(task("t5", ref("s1", "db", "db"))))
          .isInstanceOf(ExecutorException.class)
          .hasMessageStartingWith("this node cannot hold secrets: ");
      assertThat(disk.toFile().list()).isEmpty();
    } finally {
      new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
      Files.deleteIfExists(disk);
    }
  }

  private static AssignedSecret secret(String id, String name, String value) {
    return AssignedSecret.newBuilder().setId(id).setName(name).setData(ByteString.copyFromUtf8(value)).build();
  }

  private static SecretReference ref(String id, String name, String target) {
    return SecretReference.newBuilder().setSecretId(id).setSecretName(name).setTarget(target).setMode(0444).build();
  }

  private static Task task(String id, SecretReference... refs) {
    return Task.newBuilder().setId(id)
        .setSpec(TaskSpec.newBuilder().setContainer(ContainerSpec.newBuilder().addAllSecrets(List.of(refs))))
        .build();
  }
}
