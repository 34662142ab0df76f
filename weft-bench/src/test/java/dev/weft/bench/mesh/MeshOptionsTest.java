package dev.weft.bench.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MeshOptionsTest {

    @Test
    void defaultsAreTheIssuesFigures() {
        // when nothing is given
        MeshOptions options = MeshOptions.parse(new String[0]);

        // then: 50 proxies, 500 services of which 5 are called, 20 applies
        assertThat(options).isEqualTo(new MeshOptions(50, 20, 500, 5, false));
    }

    @Test
    void quickLowersTheDefaultsButAnExplicitOptionWins() {
        // when --quick comes with an explicit --proxies
        MeshOptions options = MeshOptions.parse(new String[] {"--proxies", "7", "--quick"});

        // then the explicit value stays and the rest are the quick defaults
        assertThat(options).isEqualTo(new MeshOptions(7, 5, 100, 5, true));
        assertThat(options.command()).isEqualTo(
                "java -jar weft-bench/target/weft-bench.jar mesh --proxies 7 --services 100 --calls 5 --applies 5");
    }

    @Test
    void rejectsCallingMoreServicesThanTheMeshHas() {
        assertThatThrownBy(() -> MeshOptions.parse(new String[] {"--services", "3", "--calls", "4"}))
                .hasMessage("--calls: 4 (expected: at most --services, 3)");
    }

    @Test
    void namesTheOptionWhoseValueIsNotANumber() {
        assertThatThrownBy(() -> MeshOptions.parse(new String[] {"--applies", "many"}))
                .hasMessage("--applies: 'many' (expected: a whole number)");
    }
}
