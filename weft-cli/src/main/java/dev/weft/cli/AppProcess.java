package dev.weft.cli;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The application a sidecar starts once it is ready ({@code weft proxy ... -- <command>}): it inherits the
 * terminal, finds its sidecar's outbound listener in {@code HTTP_PROXY}, and its exit ends the sidecar, so a
 * batch job that runs beside a sidecar finishes.
 */
final class AppProcess {
    private final Process process;

    private AppProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code command} with the extra {@code environment}.
     *
     * @throws IOException naming the command when it cannot be started (not found, not executable)
     */
    static AppProcess start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(environment);
        try {
            return new AppProcess(builder.start());
        } catch (IOException e) {
            throw new IOException("cannot start '" + String.join(" ", command) + "': " + e.getMessage(), e);
        }
    }

    /** The environment that points an app at its sidecar: proxy variables for the outbound port, if there is one. */
    static Map<String, String> environment(int outboundPort) {
        if (outboundPort <= 0) {
            return Map.of();
        }
        String proxy = "http://127.0.0.1:" + outboundPort;
        // curl, Python, Go and most HTTP clients read one spelling or the other; loopback stays direct
        return Map.of("HTTP_PROXY", proxy, "http_proxy", proxy,
                "NO_PROXY", "localhost,127.0.0.1,::1", "no_proxy", "localhost,127.0.0.1,::1");
    }

    /** Completes with the app's exit code. */
    CompletableFuture<Integer> exit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    /** Asks the app to stop (SIGTERM), and kills it and its children if it has not within {@code graceMillis}. */
    void stop(long graceMillis) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
