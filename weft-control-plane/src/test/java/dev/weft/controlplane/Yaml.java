package dev.weft.controlplane;

import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import java.util.List;

/** Resources from YAML text in tests. */
public final class Yaml {

    private Yaml() {
    }

    public static List<Resource<?>> resources(String yaml) {
        try {
            return new ResourceLoader().load(yaml, "test.yaml").resources();
        } catch (ResourceException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
