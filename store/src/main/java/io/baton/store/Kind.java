package io.baton.store;

import com.google.protobuf.Message;
import io.baton.api.Cluster;
import io.baton.api.Meta;
import io.baton.api.Node;
import io.baton.api.Secret;
import io.baton.api.Service;
import io.baton.api.Task;
import io.baton.api.store.ObjectKind;
import io.baton.api.store.ObjectRef;
import io.baton.api.store.StoreObject;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One kind of object the store holds: how to read its id and {@link Meta}, how it is wrapped in a
 * {@link StoreObject} and named in an {@link ObjectRef}, and the secondary indexes kept of it.
 *
 * <p>The constants are the only instances; compare them with {@code ==}. Every kind's objects
 * have a non-empty {@code id} unique within the kind; a {@linkplain #singleton() singleton} kind
 * has at most one object, whose id never changes. Immutable and thread-safe.
 *
 * <p>Adding a kind: add its field to {@code StoreObject} and its value to {@code ObjectKind}, then
 * a constant here listed in {@link #all()}.
 */
public final class Kind<T extends Message> {

  public static final Kind<Cluster> CLUSTER =
      new Kind<>(
          ObjectKind.OBJECT_KIND_CLUSTER,
          StoreObject.KindCase.CLUSTER,
          "cluster",
          Cluster.class,
          true,
          Cluster::getId,
          Cluster::getMeta,
          (o, m) -> o.toBuilder().setMeta(m).build(),
          StoreObject.Builder::setCluster,
          StoreObject::getCluster,
          List.of());

  public static final Kind<Node> NODE =
      new Kind<>(
          ObjectKind.OBJECT_KIND_NODE,
          StoreObject.KindCase.NODE,
          "node",
          Node.class,
          false,
          Node::getId,
          Node::getMeta,
          (o, m) -> o.toBuilder().setMeta(m).build(),
          StoreObject.Builder::setNode,
          StoreObject::getNode,
          List.of());

  public static final Kind<Service> SERVICE =
      new Kind<>(
          ObjectKind.OBJECT_KIND_SERVICE,
          StoreObject.KindCase.SERVICE,
          "service",
          Service.class,
          false,
          Service::getId,
          Service::getMeta,
          (o, m) -> o.toBuilder().setMeta(m).build(),
          StoreObject.Builder::setService,
          StoreObject::getService,
          List.of());

  /** Tasks by {@code service_id}. */
  static final SecondaryIndex<Task> TASKS_BY_SERVICE =
      new SecondaryIndex<>("service_id", Task::getServiceId);

  /** Tasks by {@code node_id}; unassigned tasks are under the empty id. */
  static final SecondaryIndex<Task> TASKS_BY_NODE =
      new SecondaryIndex<>("node_id", Task::getNodeId);

  public static final Kind<Task> TASK =
      new Kind<>(
          ObjectKind.OBJECT_KIND_TASK,
          StoreObject.KindCase.TASK,
          "task",
          Task.class,
          false,
          Task::getId,
          Task::getMeta,
          (o, m) -> o.toBuilder().setMeta(m).build(),
          StoreObject.Builder::setTask,
          StoreObject::getTask,
          List.of(TASKS_BY_SERVICE, TASKS_BY_NODE));

  public static final Kind<Secret> SECRET =
      new Kind<>(
          ObjectKind.OBJECT_KIND_SECRET,
          StoreObject.KindCase.SECRET,
          "secret",
          Secret.class,
          false,
          Secret::getId,
          Secret::getMeta,
          (o, m) -> o.toBuilder().setMeta(m).build(),
          StoreObject.Builder::setSecret,
          StoreObject::getSecret,
          List.of());

  private static final List<Kind<?>> ALL = List.of(CLUSTER, NODE, SERVICE, TASK, SECRET);

  private static final Map<ObjectKind, Kind<?>> BY_PROTO = new EnumMap<>(ObjectKind.class);
  private static final Map<StoreObject.KindCase, Kind<?>> BY_CASE =
      new EnumMap<>(StoreObject.KindCase.class);

  static {
    for (Kind<?> k : ALL) {
      if (BY_PROTO.put(k.proto, k) != null || BY_CASE.put(k.kindCase, k) != null) {
        throw new IllegalStateException("two kinds share " + k.proto + " or " + k.kindCase);
      }
    }
  }

  private final ObjectKind proto;
  private final StoreObject.KindCase kindCase;
  private final String noun;
  private final Class<T> type;
  private final boolean singleton;
  private final Function<T, String> id;
  private final Function<T, Meta> meta;
  private final BiFunction<T, Meta, T> withMeta;
  private final BiConsumer<StoreObject.Builder, T> wrap;
  private final Function<StoreObject, T> unwrap;
  private final List<SecondaryIndex<T>> indexes;

  private Kind(
      ObjectKind proto,
      StoreObject.KindCase kindCase,
      String noun,
      Class<T> type,
      boolean singleton,
      Function<T, String> id,
      Function<T, Meta> meta,
      BiFunction<T, Meta, T> withMeta,
      BiConsumer<StoreObject.Builder, T> wrap,
      Function<StoreObject, T> unwrap,
      List<SecondaryIndex<T>> indexes) {
    this.proto = proto;
    this.kindCase = kindCase;
    this.noun = noun;
    this.type = type;
    this.singleton = singleton;
    this.id = id;
    this.meta = meta;
    this.withMeta = withMeta;
    this.wrap = wrap;
    this.unwrap = unwrap;
    this.indexes = indexes;
  }

  /** Every kind, in the order snapshots list their objects. */
  public static List<Kind<?>> all() {
    return ALL;
  }

  /**
   * The kind of the object {@code object} holds.
   *
   * @throws IllegalArgumentException if it holds none, or one of a kind this version does not know
   */
  public static Kind<?> of(StoreObject object) {
    Kind<?> k = find(object);
    if (k == null) {
      throw new IllegalArgumentException("the store object holds no object of a known kind");
    }
    return k;
  }

  /**
   * The kind {@code kind} names.
   *
   * @throws IllegalArgumentException if it names none this version knows
   */
  public static Kind<?> of(ObjectKind kind) {
    Kind<?> k = find(kind);
    if (k == null) {
      throw new IllegalArgumentException("no object kind " + kind);
    }
    return k;
  }

  /** The kind of the object {@code object} holds; {@code null} if none this version knows. */
  static Kind<?> find(StoreObject object) {
    return BY_CASE.get(object.getKindCase());
  }

  /** The kind {@code kind} names; {@code null} if none this version knows. */
  static Kind<?> find(ObjectKind kind) {
    return BY_PROTO.get(kind);
  }

  public ObjectKind proto() {
    return proto;
  }

  /** The kind's name in messages: {@code "cluster"}, {@code "node"}, {@code "service"}, ... */
  public String noun() {
    return noun;
  }

  /** Whether the store holds at most one object of this kind, whose id never changes. */
  public boolean singleton() {
    return singleton;
  }

  public String id(T object) {
    return id.apply(object);
  }

  public Meta meta(T object) {
    return meta.apply(object);
  }

  /** A copy of {@code object} with {@code meta} in place of its own. */
  public T withMeta(T object, Meta newMeta) {
    return withMeta.apply(object, newMeta);
  }

  public StoreObject wrap(T object) {
    StoreObject.Builder b = StoreObject.newBuilder();
    wrap.accept(b, object);
    return b.build();
  }

  /**
   * The object {@code object} holds.
   *
   * @throws IllegalArgumentException if it holds an object of another kind or none
   */
  public T unwrap(StoreObject object) {
    if (object.getKindCase() != kindCase) {
      throw new IllegalArgumentException(
          "expected a " + noun + " object, the store object holds " + object.getKindCase());
    }
    return unwrap.apply(object);
  }

  /** {@code object} as this kind's type. */
  T cast(Object object) {
    return type.cast(object);
  }

  boolean isInstance(Object object) {
    return type.isInstance(object);
  }

  ObjectRef ref(String objectId) {
    return ObjectRef.newBuilder().setKind(proto).setId(objectId).build();
  }

  /** {@code "<noun> <id>"}, for messages. */
  String describe(String objectId) {
    return noun + " " + objectId;
  }

  List<SecondaryIndex<T>> indexes() {
    return indexes;
  }

  @Override
  public String toString() {
    return noun;
  }
}
