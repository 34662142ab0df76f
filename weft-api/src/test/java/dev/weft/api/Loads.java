package dev.weft.api;

import static org.assertj.core.api.Assertions.fail;

import java.util.List;

/** Test helpers: load YAML text and get the resources or the problems as their one-line messages. */
final class Loads {

    static final String SOURCE = "test.yaml";

    private Loads() {
    }

    static ResourceSet load(String yaml) {
        try {
            return new ResourceLoader().load(yaml, SOURCE);
        } catch (ResourceException e) {
            return fail("expected the resources to load, got: " + e.getMessage());
        }
    }

    /** The problems loading {@code yaml} reports, each as ResourceProblem#toString. */
    static List<String> problems(String yaml) {
        try {
            ResourceSet set = new ResourceLoader().load(yaml, SOURCE);
            return fail("expected problems, but loaded " + set);
        } catch (ResourceException e) {
            return e.problems().stream().map(ResourceProblem::toString).toList();
        }
    }

    /** An HTTPRoute default/r whose spec is {@code spec} (YAML, indented from column 0). */
    static String httpRoute(String spec) {
        return document("gateway.networking.k8s.io/v1", "HTTPRoute", "r", spec);
    }

    static String grpcRoute(String spec) {
        return document("gateway.networking.k8s.io/v1", "GRPCRoute", "g", spec);
    }

    static String policy(String spec) {
        return document("weft.dev/v1alpha1", "DestinationPolicy", "p", spec);
    }

    static String document(String apiVersion, String kind, String name, String spec) {
        return "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\nspec:\n"
                + spec.indent(2);
    }

    /** A minimal valid HTTPRoute spec's parentRefs, to prefix a spec under test with. */
    static final String PARENT = "parentRefs: [{group: \"\", kind: Service, name: reviews}]\n";
}
