package io.baton.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version baton was built as (from the build's filtered resource). */
public final class BatonVersion {
  private static final String VERSION = load();

  private BatonVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = BatonVersion.class.getResourceAsStream("/baton-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
