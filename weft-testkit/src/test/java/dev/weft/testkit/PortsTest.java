package dev.weft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortsTest {

    @Test
    void portsComeFromBelowTheEphemeralRangeSoThatNoPortZeroBindCanTakeThem() throws IOException {
        Path kernel = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int ephemeralLow = Ports.ephemeralLow(kernel);
        if (Files.exists(kernel)) {
            // the kernel's range as a line reader sees it (a procfs file reports size 0, which fooled readString)
            assertThat(ephemeralLow).isEqualTo(Integer.parseInt(Files.readAllLines(kernel).get(0).trim().split("\\s+")[0]));
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = Ports.findFree();
            if (ephemeralLow - Ports.LOWEST >= 1_000) {
                assertThat(port).isBetween(Ports.LOWEST, ephemeralLow - 1);
            }
            seen.add(port);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
        assertThat(seen).as("each call hands out another port").hasSize(50);
    }

    @Test
    void aPortInUseIsPassedOver() throws IOException {
        int port = Ports.findFree();
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            // when: the turn comes back to the port that is now in use
            Ports.NEXT.decrementAndGet();
            // then: the next one is handed out instead
            assertThat(Ports.findFree()).isNotEqualTo(port);
        }
    }

    @Test
    void theEphemeralRangeIsReadFromTheKernelsFileOrDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ip_local_port_range");
        Files.writeString(file, "40000\t60999\n");
        assertThat(Ports.ephemeralLow(file)).isEqualTo(40_000);
        Files.writeString(file, "garbage");
        assertThat(Ports.ephemeralLow(file)).isEqualTo(32_768);
        assertThat(Ports.ephemeralLow(dir.resolve("missing"))).isEqualTo(32_768);
    }
}
