package com.miracle.c360.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the stream processor: {@code java -jar c360-streams.jar [streams.properties]}; stops cleanly on SIGTERM. */
public final class App {
  private static final Logger logger = LoggerFactory.getLogger(App.class);

  private App() {}

  public static void main(String[] args) throws InterruptedException {
    AppConfig config = AppConfig.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
    logger.info(
        "c360-streams starting: application.id={} bootstrap={} topics={}*",
        config.streams().getProperty(StreamsConfig.APPLICATION_ID_CONFIG),
        config.streams().getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG),
        config.topics().prefix());
    List<String> missing = waitForTopics(config);
    if (!missing.isEmpty()) {
      logger.error("c360-streams cannot start: topics missing {} (they are not created here)", missing);
      System.exit(2);
    }
    KafkaStreams streams = new KafkaStreams(C360Topology.build(config), config.streams());
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener(
        (now, before) -> {
          logger.info("c360-streams state {} -> {}", before, now);
          if (now == KafkaStreams.State.RUNNING) {
            logger.info("c360-streams RUNNING");
          }
          if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
            stopped.countDown();
          }
        });
    streams.setUncaughtExceptionHandler(
        e -> {
          logger.error("c360-streams stopping after an unexpected error", e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    Thread hook =
        new Thread(
            () -> {
              logger.info("c360-streams shutting down");
              boolean closed =
                  streams.close(
                      CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                          .withTimeout(Duration.ofSeconds(30)));
              stopped.countDown();
              logger.info("c360-streams stopped{}", closed ? "" : " (timed out closing)");
              // A clean stop on SIGTERM exits 0 rather than the JVM's 143.
              Runtime.getRuntime().halt(closed ? 0 : 1);
            },
            "c360-streams-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    streams.start();
    stopped.await();
    if (streams.state() == KafkaStreams.State.ERROR) {
      logger.error("c360-streams stopped after an error");
      System.exit(1);
    }
  }

  /** Waits (bounded) until every topic of the contract exists; returns the ones still missing. */
  static List<String> waitForTopics(AppConfig config) throws InterruptedException {
    Properties adminProps = new Properties();
    adminProps.putAll(config.streams());
    adminProps.setProperty(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        config.streams().getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
    long deadline = System.nanoTime() + config.topicWait().toNanos();
    List<String> wanted = config.topics().all();
    List<String> missing = wanted;
    try (Admin admin = Admin.create(onlyAdmin(adminProps))) {
      while (true) {
        try {
          Set<String> present = new HashSet<>(admin.listTopics().names().get(10, TimeUnit.SECONDS));
          missing = wanted.stream().filter(topic -> !present.contains(topic)).toList();
          if (missing.isEmpty()) {
            return missing;
          }
        } catch (ExecutionException | TimeoutException e) {
          logger.warn("c360-streams waiting for the broker: {}", e.getMessage());
        }
        if (System.nanoTime() > deadline) {
          return missing;
        }
        Thread.sleep(500);
      }
    }
  }

  private static Properties onlyAdmin(Properties props) {
    Properties admin = new Properties();
    for (String name : props.stringPropertyNames()) {
      if (AdminClientConfig.configNames().contains(name)) {
        admin.setProperty(name, props.getProperty(name));
      }
    }
    return admin;
  }
}
