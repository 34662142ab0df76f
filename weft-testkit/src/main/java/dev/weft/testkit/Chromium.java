package dev.weft.testkit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where Debian's {@code chromium} and {@code chromium-driver} packages put the browser and its WebDriver server, for
 * browser tests; {@code .ci/run} installs both. The flags a test starts the browser with are {@link #FLAGS}.
 */
public final class Chromium {

    /**
     * Headless, no sandbox (containers), and nothing that reaches the network on its own (updates, sync, QUIC
     * probes, first-run pages): a test's browser talks only to what the test serves. Add a fresh
     * {@code --user-data-dir}.
     */
    public static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage");

    private Chromium() {
    }

    /** The browser on the PATH ({@code chromium}, else {@code chromium-browser}). */
    public static Optional<Path> browser() {
        return onPath("chromium").or(() -> onPath("chromium-browser"));
    }

    /** The WebDriver server on the PATH ({@code chromedriver}). */
    public static Optional<Path> driver() {
        return onPath("chromedriver");
    }

    /** Whether both are installed; tests use it in an assumption, as they do for curl. */
    public static boolean available() {
        return browser().isPresent() && driver().isPresent();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Arrays.stream(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Processes::executableExists)
                .findFirst();
    }
}
