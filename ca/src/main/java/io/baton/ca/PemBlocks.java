package io.baton.ca;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A strict PEM (RFC 7468) reader and writer. Input must consist only of PEM blocks separated by
 * blank lines; text outside blocks, unterminated blocks, mismatched labels, headers and invalid
 * base64 are all rejected. Callers pass a size limit that is checked before any parsing.
 */
final class PemBlocks {
  /** One decoded block: its label (e.g. {@code CERTIFICATE}) and its DER content. */
  record Block(String label, byte[] der) {}

  /** Malformed PEM; the message never contains input text. */
  static final class MalformedPemException extends Exception {
    MalformedPemException(String message) {
      super(message);
    }
  }

  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";
  private static final int LINE_WIDTH = 64;

  private PemBlocks() {}

  /** Parses all blocks of {@code text}, which must be at most {@code maxChars} long. */
  static List<Block> parse(String text, int maxChars) throws MalformedPemException {
    if (text == null || text.isBlank()) {
      throw new MalformedPemException("PEM input is empty");
    }
    if (text.length() > maxChars) {
      throw new MalformedPemException("PEM input is larger than " + maxChars / 1024 + " KiB");
    }
    List<Block> blocks = new ArrayList<>();
    String label = null;
    StringBuilder base64 = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (label == null) {
        if (line.isEmpty()) {
          continue;
        }
        label = header(line, BEGIN);
        base64.setLength(0);
      } else if (line.startsWith(END)) {
        if (!label.equals(header(line, END))) {
          throw new MalformedPemException("PEM END line does not match its BEGIN line");
        }
        blocks.add(new Block(label, decode(base64)));
        label = null;
      } else {
        base64.append(line);
      }
    }
    if (label != null) {
      throw new MalformedPemException("PEM block is not terminated");
    }
    if (blocks.isEmpty()) {
      throw new MalformedPemException("PEM input has no blocks");
    }
    return blocks;
  }

  /** Encodes one block with 64-character lines and a trailing newline. */
  static String encode(String label, byte[] der) {
    String body = Base64.getEncoder().encodeToString(der);
    StringBuilder out = new StringBuilder(body.length() + 2 * label.length() + 64);
    out.append(BEGIN).append(label).append(DASHES).append('\n');
    for (int i = 0; i < body.length(); i += LINE_WIDTH) {
      out.append(body, i, Math.min(body.length(), i + LINE_WIDTH)).append('\n');
    }
    return out.append(END).append(label).append(DASHES).append('\n').toString();
  }

  private static String header(String line, String kind) throws MalformedPemException {
    if (!line.startsWith(kind) || !line.endsWith(DASHES) || line.length() <= kind.length() + 5) {
      throw new MalformedPemException("input is not PEM: expected a " + kind.strip() + " line");
    }
    String label = line.substring(kind.length(), line.length() - DASHES.length());
    if (!label.matches("[A-Z0-9 ]{1,40}")) {
      throw new MalformedPemException("PEM label is not valid");
    }
    return label;
  }

  private static byte[] decode(StringBuilder base64) throws MalformedPemException {
    if (base64.isEmpty()) {
      throw new MalformedPemException("PEM block is empty");
    }
    try {
      return Base64.getDecoder().decode(base64.toString());
    } catch (IllegalArgumentException e) {
      throw new MalformedPemException("PEM block is not valid base64");
    }
  }
}
