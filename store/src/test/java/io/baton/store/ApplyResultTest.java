package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyResultTest {

  @Test
  void resultsOfABatchRoundTripInOrder() {
    List<ApplyResult> results =
        List.of(
            ApplyResult.APPLIED,
            ApplyResult.conflict("node n1 is at version 7, the write expected 5"),
            ApplyResult.rejected("the proposal writes node \u00e9t\u00e9 twice"),
            ApplyResult.APPLIED);

    assertThat(ApplyResult.decodeAll(ApplyResult.encodeAll(results))).isEqualTo(results);
    assertThat(ApplyResult.decodeAll(ApplyResult.encodeAll(List.of()))).isEmpty();
  }

  @Test
  void bytesThatAreNotResultsAreRefused() {
    byte[] good = ApplyResult.encodeAll(List.of(ApplyResult.conflict("detail")));

    assertThatThrownBy(() -> ApplyResult.decodeAll(new byte[] {7, 0, 0, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ApplyResult.decodeAll(java.util.Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ApplyResult.decodeAll(new byte[] {0, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
