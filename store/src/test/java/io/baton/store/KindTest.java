package io.baton.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import io.baton.api.Meta;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.StoreObject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KindTest {

  @Test
  void everyProtoKindHasOneDescriptor() {
    assertThat(Kind.all()).extracting(Kind::proto).doesNotHaveDuplicates();
    for (ObjectKind k : ObjectKind.values()) {
      if (k == ObjectKind.OBJECT_KIND_UNSPECIFIED || k == ObjectKind.UNRECOGNIZED) {
        assertThatThrownBy(() -> Kind.of(k)).isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThat(Kind.of(k).proto()).isEqualTo(k);
      }
    }
    assertThat(Arrays.stream(StoreObject.KindCase.values()))
        .filteredOn(c -> c != StoreObject.KindCase.KIND_NOT_SET)
        .hasSameSizeAs(Kind.all());
    assertThatThrownBy(() -> Kind.of(StoreObject.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void constantsDescribeTheirKinds() {
    assertThat(Kind.all())
        .containsExactly(Kind.CLUSTER, Kind.NODE, Kind.SERVICE, Kind.TASK, Kind.SECRET);
    assertThat(Kind.all())
        .extracting(Kind::noun)
        .containsExactly("cluster", "node", "service", "task", "secret");
    assertThat(Kind.all()).filteredOn(Kind::singleton).containsExactly(Kind.CLUSTER);
    assertThat(Kind.TASK.proto()).isEqualTo(ObjectKind.OBJECT_KIND_TASK);
    assertThat(Kind.SERVICE.proto()).isEqualTo(ObjectKind.OBJECT_KIND_SERVICE);
  }

  @Test
  void wrapsUnwrapsAndSetsMeta() {
    roundTrips(Kind.CLUSTER, StoreFixture.cluster());
    roundTrips(Kind.NODE, StoreFixture.node("n1"));
    roundTrips(Kind.SERVICE, StoreFixture.service("s1"));
    roundTrips(Kind.TASK, StoreFixture.task("t1", "s1", "n1"));
    roundTrips(
        Kind.SECRET,
        io.baton.api.Secret.newBuilder()
            .setId("x1")
            .setSpec(io.baton.api.SecretSpec.newBuilder().setName("db"))
            .setData(com.google.protobuf.ByteString.copyFromUtf8("v"))
            .build());
  }

  @Test
  void unwrapRefusesAnotherKind() {
    StoreObject node = Kind.NODE.wrap(StoreFixture.node("n1"));

    assertThatThrownBy(() -> Kind.TASK.unwrap(node))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("task");
  }

  private static <T extends Message> void roundTrips(Kind<T> kind, T object) {
    StoreObject wrapped = kind.wrap(object);
    assertThat(Kind.of(wrapped)).isSameAs(kind);
    assertThat(kind.unwrap(wrapped)).isEqualTo(object);
    Meta meta = Meta.newBuilder().setVersion(7).setCreatedAtMs(1).setUpdatedAtMs(2).build();
    T withMeta = kind.withMeta(object, meta);
    assertThat(kind.meta(withMeta)).isEqualTo(meta);
    assertThat(kind.id(withMeta)).isEqualTo(kind.id(object)).isNotEmpty();
    assertThat(kind.meta(object)).isEqualTo(Meta.getDefaultInstance());
  }
}
