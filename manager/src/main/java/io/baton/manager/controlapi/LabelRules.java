package io.baton.manager.controlapi;

import io.baton.manager.GrpcErrors;
import io.baton.manager.constraint.NodeAttribute;

/** What a node label may look like; labels drive placement and secret zones, so they are strict. */
final class LabelRules {
  private static final int MAX_VALUE_LENGTH = 256;

  private LabelRules() {}

  static void checkKey(String key) {
    if (!NodeAttribute.Label.isValidName(key)) {
      throw GrpcErrors.invalid("invalid label key '" + key
          + "': use letters, digits, '.', '_', '-', '/', at most 128 characters, starting and ending alphanumeric");
    }
  }

  static void checkValue(String key, String value) {
    if (value.length() > MAX_VALUE_LENGTH || value.chars().anyMatch(Character::isISOControl)) {
      throw GrpcErrors.invalid("invalid value for label '" + key + "': at most " + MAX_VALUE_LENGTH
          + " printable characters");
    }
  }
}
