package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.Spec;

/** Reads one kind's {@code spec} from YAML/JSON, validating it and applying defaults, and writes it back. */
public interface SpecCodec<S extends Spec> {

    /** The spec read from {@code node} (at {@code path}); meaningful only when no problem was added. */
    S read(JsonNode node, String path, Problems problems);

    ObjectNode write(S spec);
}
