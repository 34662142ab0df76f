package dev.weft.bench.peers;

import dev.weft.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the numbers were measured on: the machine, the JVM the launcher chose (read from the running
 * Weft process, so the benchmark never second-guesses the launcher) and the versions of the peers
 * and tools.
 */
record Machine(int cpus, String cpuModel, String kernel, String memory, String jdk, String jvmOptions,
               List<String> tools) {

    static Machine describe(long weftPid) {
        List<String> cpuinfo = lines(Path.of("/proc/cpuinfo"));
        int cpus = (int) cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
        String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        String kernel = lines(Path.of("/proc/sys/kernel/osrelease")).stream().findFirst().orElse("unknown");
        String memory = lines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> String.format("%.1f GiB",
                        Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse("unknown");
        Path java = ProcessMetrics.executable(weftPid);
        String jdk = firstLines(run(java.toString(), "-version"), 3).replace("\n", "; ");
        return new Machine(cpus, model, kernel, memory, java + ": " + jdk, jvmOptions(weftPid), List.of(
                firstLines(run("/usr/sbin/nginx", "-v"), 1),
                firstLines(run("/usr/sbin/haproxy", "-v"), 1),
                firstLines(run("wrk", "-v"), 1),
                firstLines(run("h2load", "--version"), 1)));
    }

    /** The 1-minute load average from /proc/loadavg. */
    static String loadAverage() {
        return lines(Path.of("/proc/loadavg")).stream().findFirst().map(l -> l.split(" ")[0]).orElse("unknown");
    }

    /** The JVM options between the java binary and {@code -jar}, as the launcher passed them. */
    private static String jvmOptions(long pid) {
        try {
            String[] args = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).split("\0");
            List<String> options = new ArrayList<>();
            for (String arg : Arrays.asList(args).subList(1, args.length)) {
                if (arg.equals("-jar")) {
                    break;
                }
                options.add(arg);
            }
            return String.join(" ", options);
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String run(String... command) {
        try {
            Processes.Result result = Processes.run(Duration.ofSeconds(20), List.of(command));
            return (result.stdout() + result.stderr()).strip();
        } catch (RuntimeException e) {
            return command[0] + ": unavailable (" + e.getMessage() + ")";
        }
    }

    private static String firstLines(String text, int count) {
        return String.join("\n", text.lines().limit(count).toList());
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
