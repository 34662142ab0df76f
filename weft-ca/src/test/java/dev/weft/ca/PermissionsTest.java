package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PermissionsTest {

    @TempDir
    Path temp;

    private final TestClock clock = new TestClock();

    @BeforeEach
    void posixOnly() throws Exception {
        assumeTrue(Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class));
    }

    private CertificateAuthority open() throws CaException {
        return CertificateAuthority.builder(temp.resolve("data/ca"), "example.org").clock(clock).open();
    }

    @Test
    void everyFileTheCaCreatesIsOwnerOnly() throws Exception {
        CertificateAuthority ca = open();
        ca.joinTokens().create("default", "chat", Duration.ofMinutes(5));
        ca.rotateRootAdd();
        ca.rotateRootActivate();

        List<Path> created;
        try (Stream<Path> walk = Files.walk(temp.resolve("data/ca"))) {
            created = walk.toList();
        }

        assertThat(created).extracting(p -> temp.resolve("data/ca").relativize(p).toString())
                .containsExactlyInAnyOrder("", "active", "bundle.pem", "join-tokens", "issuers",
                        "issuers/1", "issuers/1/chain.pem", "issuers/1/key.pem",
                        "issuers/2", "issuers/2/chain.pem", "issuers/2/key.pem");
        for (Path path : created) {
            String expected = Files.isDirectory(path) ? "rwx------" : "rw-------";
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
                    .as(path.toString()).isEqualTo(expected);
        }
    }

    @Test
    void aStoredKeyReadableByTheGroupIsRefusedNamingTheFileAndPermission() throws Exception {
        open();
        Path key = temp.resolve("data/ca/issuers/1/key.pem");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessage(key + ": the private key is accessible by group or others (permissions rw-r-----); "
                        + "make it owner-only: chmod 600 " + key)
                .satisfies(e -> assertThat(((CaException) e).file()).isEqualTo(key));
    }

    @Test
    void aStoredKeyReadableByOthersIsRefused() throws Exception {
        open();
        Path key = temp.resolve("data/ca/issuers/1/key.pem");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw----r--"));

        assertThatThrownBy(this::open)
                .isInstanceOf(CaException.class)
                .hasMessageContaining("permissions rw----r--");
    }
}
