package io.baton.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogFormat;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedInputStream;

/**
 * Reads the entries of a manager's Ratis log from disk, as a thief of the disk would: every
 * segment file ({@code log_*}) is its format's header, then per entry a varint length, the
 * {@link LogEntryProto} and a 4-byte checksum, up to a terminator byte or the end of the file.
 */
public final class RaftSegments {
  private static final int CHECKSUM_BYTES = 4;

  private RaftSegments() {}

  /** Every entry of every segment under {@code raftDir}, segment by segment. */
  public static List<LogEntryProto> entries(Path raftDir) throws IOException {
    List<LogEntryProto> entries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(raftDir)) {
      for (Path segment : files.filter(p -> p.getFileName().toString().startsWith("log_")).sorted().toList()) {
        entries.addAll(read(segment));
      }
    }
    return entries;
  }

  private static List<LogEntryProto> read(Path segment) throws IOException {
    List<LogEntryProto> entries = new ArrayList<>();
    try (InputStream in = Files.newInputStream(segment)) {
      in.skipNBytes(SegmentedRaftLogFormat.getHeaderLength());
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE);
      while (!coded.isAtEnd()) {
        int length = coded.readRawVarint32();
        if (length == 0) {
          break;
        }
        entries.add(LogEntryProto.parseFrom(coded.readRawBytes(length)));
        coded.skipRawBytes(CHECKSUM_BYTES);
      }
    }
    return entries;
  }
}
