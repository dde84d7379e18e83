package com.miracle.c360.streams;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The three tumbling event-time windows of the contract, each with its grace. */
public enum KpiWindow {
  MINUTE("1m", Duration.ofMinutes(1), Duration.ofMinutes(5)),
  HOUR("1h", Duration.ofHours(1), Duration.ofHours(1)),
  DAY("1d", Duration.ofDays(1), Duration.ofDays(1));

  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ISO_INSTANT;

  private final String label;
  private final long sizeMs;
  private final long graceMs;

  KpiWindow(String label, Duration size, Duration grace) {
    this.label = label;
    this.sizeMs = size.toMillis();
    this.graceMs = grace.toMillis();
  }

  public String label() {
    return label;
  }

  public long sizeMs() {
    return sizeMs;
  }

  public long graceMs() {
    return graceMs;
  }

  /** Start of the window holding an event time (epoch ms); windows are aligned to the UTC epoch. */
  public long start(long eventTimeMs) {
    return Math.floorDiv(eventTimeMs, sizeMs) * sizeMs;
  }

  public long end(long eventTimeMs) {
    return start(eventTimeMs) + sizeMs;
  }

  /** Whether an event still counts: its window's end plus the grace is after the newest event time seen. */
  public boolean counts(long eventTimeMs, long newestEventTimeMs) {
    return end(eventTimeMs) + graceMs > newestEventTimeMs;
  }

  /** A window bound written {@code YYYY-MM-DDTHH:MM:SSZ}. */
  public static String format(long epochMs) {
    return SECONDS.format(Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.SECONDS));
  }
}
