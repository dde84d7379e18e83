package com.miracle.c360.streams;

import java.util.List;

/** Topic names of the contract, {@code <prefix>.<name>} ({@code c360} unless configured, as the portal reads them). */
public record Topics(String prefix) {
  public static final String DEFAULT_PREFIX = "c360";

  public String events() {
    return prefix + ".events";
  }

  public String deadLetters() {
    return prefix + ".events.dlq";
  }

  public String customers() {
    return prefix + ".customers";
  }

  public String campaigns() {
    return prefix + ".campaigns";
  }

  public String kpis() {
    return prefix + ".kpis";
  }

  public String alerts() {
    return prefix + ".alerts";
  }

  /** Every topic the application reads or writes; it creates none of them. */
  public List<String> all() {
    return List.of(events(), deadLetters(), customers(), campaigns(), kpis(), alerts());
  }
}
