package io.baton.agent.exec.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A restarted agent stops the task processes its crashed predecessor left running. */
@Timeout(60)
class LeftoversTest {

  @Test
  void recordedProcessTreeIsStoppedAndItsDirectoryRemoved(@TempDir Path tasksRoot) throws Exception {
    Path workDir = tasksRoot.resolve("t1");
    Files.createDirectory(workDir);
    Process orphan = new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300").directory(workDir.toFile()).start();
    await().until(() -> orphan.toHandle().descendants().count() >= 1);
    var descendants = orphan.toHandle().descendants().toList();
    Leftovers.record(workDir, orphan.toHandle());

    Leftovers.reclaim(tasksRoot);

    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTree.isRunning(orphan.toHandle())
        && descendants.stream().noneMatch(ProcessTree::isRunning));
    assertThat(workDir).doesNotExist();
    assertThat(tasksRoot.resolve("t1.pid")).doesNotExist();
  }

  @Test
  void aRecordWhosePidWasReusedIsNotSignalled(@TempDir Path tasksRoot) throws Exception {
    Process innocent = new ProcessBuilder("sleep", "300").start();
    try {
      Files.writeString(tasksRoot.resolve("t2.pid"), innocent.pid() + " 2001-01-01T00:00:00Z\n");
      Leftovers.reclaim(tasksRoot);
      assertThat(innocent.isAlive()).isTrue();
      assertThat(tasksRoot.resolve("t2.pid")).doesNotExist();
    } finally {
      innocent.destroyForcibly();
    }
  }
}
