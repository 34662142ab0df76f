package dev.weft.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An external process started by a test, its stdout and stderr captured in one file, stopped on close. */
public final class ManagedProcess implements AutoCloseable {

    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final List<String> command;
    private final Process process;
    private final Path output;

    ManagedProcess(List<String> command, Process process, Path output) {
        this.command = List.copyOf(command);
        this.process = process;
        this.output = output;
    }

    /** The running process. */
    public Process process() {
        return process;
    }

    /** The file that receives the process's stdout and stderr. */
    public Path outputFile() {
        return output;
    }

    /** What the process has printed so far (stdout and stderr interleaved). */
    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + output, e);
        }
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until {@code host:port} accepts a TCP connection. Fails as soon as the process exits, or
     * when the timeout passes, with the process's output in the message.
     */
    public void awaitPort(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Processes.canConnect(host, port)) {
                return;
            }
            try {
                // Waiting on the process doubles as the poll interval and notices an early exit.
                if (process.waitFor(20, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException(describe() + " exited with " + process.exitValue()
                            + " before " + host + ":" + port + " accepted connections; output:\n" + output());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + host + ":" + port, e);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(describe() + " did not accept connections on " + host + ":" + port
                        + " within " + Durations.format(timeout) + "; output:\n" + output());
            }
        }
    }

    /**
     * Stops the process: SIGTERM, then SIGKILL when it has not exited within a few seconds.
     *
     * @return the exit code
     */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    /** The command line, for messages. */
    public String describe() {
        return String.join(" ", command);
    }

    static boolean probe(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
