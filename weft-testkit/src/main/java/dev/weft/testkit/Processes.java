package dev.weft.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Starts and runs external processes (nginx, curl, the weft launcher) for tests, with bounded waits. */
public final class Processes {

    private Processes() {
    }

    /** What a process that ran to completion printed and returned. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** Whether the process exited with 0. */
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /**
     * Starts {@code command} in {@code workDir} with stdout and stderr appended to {@code outputFile}.
     * The caller closes the returned process.
     */
    public static ManagedProcess start(Path workDir, Path outputFile, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        try {
            return new ManagedProcess(command, builder.start(), outputFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /**
     * Runs {@code command} to completion, capturing stdout and stderr separately. A process still
     * running after {@code timeout} is killed and reported as an {@link IllegalStateException}.
     */
    public static Result run(Duration timeout, List<String> command) {
        Path stdout = null;
        Path stderr = null;
        try {
            stdout = Files.createTempFile("weft-process-", ".out");
            stderr = Files.createTempFile("weft-process-", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + Durations.format(timeout) + "; stderr:\n" + Files.readString(stderr, StandardCharsets.UTF_8));
            }
            return new Result(List.copyOf(command), process.exitValue(),
                    Files.readString(stdout, StandardCharsets.UTF_8), Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    /** Waits until {@code host:port} accepts a TCP connection, failing after {@code timeout}. */
    public static void awaitPort(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!canConnect(host, port)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(host + ":" + port + " did not accept connections within "
                        + Durations.format(timeout));
            }
            // Polling an external process's port: there is no signal to wait on.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Whether a TCP connection to {@code host:port} succeeds within 200 ms. */
    public static boolean canConnect(String host, int port) {
        return ManagedProcess.probe(host, port);
    }

    /** Whether an executable file exists at {@code path}. */
    public static boolean executableExists(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A leftover temp file does not affect the result.
        }
    }
}
