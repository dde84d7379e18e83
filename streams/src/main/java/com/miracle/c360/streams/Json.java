package com.miracle.c360.streams;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper (decimals as BigDecimal, trailing garbage rejected) and the serde built on it. */
public final class Json {
  public static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private Json() {}

  /** Parses bytes into a tree; throws {@link JacksonException} when they are not JSON. */
  public static JsonNode parse(byte[] bytes) {
    return MAPPER.readTree(bytes);
  }

  public static byte[] bytes(JsonNode node) {
    return MAPPER.writeValueAsBytes(node);
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Text of a string field, or null when absent, null or not a string. */
  public static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isString() ? value.stringValue() : null;
  }

  /** Decimal of a number field, or null when absent or not a number. */
  public static BigDecimal decimal(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isNumber() ? value.decimalValue() : null;
  }

  /** Integer of a number field, or null when absent, null or not an integer. */
  public static Long integer(JsonNode node, String field) {
    BigDecimal value = decimal(node, field);
    if (value == null) {
      return null;
    }
    try {
      return value.longValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** An amount in whole cents, rounded half-up ("0.125" gives 13). */
  public static BigInteger cents(BigDecimal amount) {
    return amount.setScale(2, RoundingMode.HALF_UP).unscaledValue();
  }

  /** Whole cents written back with two decimals. */
  public static BigDecimal fromCents(BigInteger cents) {
    return new BigDecimal(cents, 2);
  }

  /** Serde of JSON trees; an undecodable value deserialises to null (a table treats it as a delete). */
  public static Serde<JsonNode> serde() {
    Serializer<JsonNode> serializer = (topic, node) -> node == null ? null : bytes(node);
    Deserializer<JsonNode> deserializer =
        (topic, data) -> {
          if (data == null) {
            return null;
          }
          try {
            return parse(data);
          } catch (JacksonException e) {
            return null;
          }
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
