package io.baton.store;

import com.google.protobuf.Message;
import java.util.function.Function;

/**
 * A secondary index of one {@link Kind}: finds its objects by the value of one field, such as the
 * tasks of a service. Every object is indexed, including those whose field is empty.
 *
 * @param name what the index is by, for messages
 * @param key the indexed field of an object; deterministic and never {@code null}
 */
record SecondaryIndex<T extends Message>(String name, Function<T, String> key) {}
