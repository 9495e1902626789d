package io.baton.cli;

import io.baton.api.SecretReference;

/**
 * Docker's {@code --secret} syntax: {@code NAME}, or {@code source=NAME[,target=FILE][,uid=N]
 * [,gid=N][,mode=OCTAL]} (also {@code NAME,target=...}). The manager checks that the secret exists
 * and fills in the defaults (target = name, mode 0444).
 */
final class SecretFlags {
  private SecretFlags() {}

  static SecretReference parse(String flag, String value) {
    SecretReference.Builder ref = SecretReference.newBuilder();
    String[] parts = value.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      int eq = part.indexOf('=');
      if (eq < 0) {
        if (i != 0 || part.isEmpty()) {
          throw new UsageError("invalid " + flag + " '" + value + "': use NAME[,target=FILE,mode=0400,uid=N,gid=N]");
        }
        ref.setSecretName(part);
        continue;
      }
      String key = part.substring(0, eq);
      String v = part.substring(eq + 1);
      switch (key) {
        case "source", "src" -> ref.setSecretName(v);
        case "target" -> ref.setTarget(v);
        case "uid" -> ref.setUid(number(flag, key, v, 10));
        case "gid" -> ref.setGid(number(flag, key, v, 10));
        case "mode" -> ref.setMode(number(flag, key, v, 8));
        default -> throw new UsageError("invalid " + flag + " option '" + key + "': use source, target, uid, gid or mode");
      }
    }
    if (ref.getSecretName().isEmpty()) {
      throw new UsageError("invalid " + flag + " '" + value + "': name the secret");
    }
    return ref.build();
  }

  private static int number(String flag, String key, String value, int radix) {
    try {
      int n = Integer.parseInt(value, radix);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageError("invalid " + key + " '" + value + "' in " + flag);
    }
  }
}
