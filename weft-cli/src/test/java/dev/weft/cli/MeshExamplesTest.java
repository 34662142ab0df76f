package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.Kind;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceSet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The mesh resources the README and the demo point at stay valid. */
class MeshExamplesTest {

    @Test
    void everyExampleLoads() throws Exception {
        // when
        ResourceSet all = new ResourceLoader().load(Path.of("../examples/mesh/chat.yaml"));
        ResourceSet half = new ResourceLoader().load(Path.of("../examples/mesh/canary-50.yaml"));
        ResourceSet full = new ResourceLoader().load(Path.of("../examples/mesh/canary-100.yaml"));

        // then
        assertThat(all.ofKind(Kind.SERVICE)).hasSize(1);
        assertThat(all.ofKind(Kind.DESTINATION_POLICY)).hasSize(1);
        assertThat(all.ofKind(Kind.HTTP_ROUTE)).hasSize(1);
        assertThat(half.keys()).isEqualTo(full.keys()).containsExactlyElementsOf(
                all.ofKind(Kind.HTTP_ROUTE).stream().map(r -> r.key()).toList());
    }
}
