package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading files and directories: which files, in which order, and all or nothing with every problem located. */
class ResourceLoaderTest {

    private static final String CANARY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: reviews}
            spec:
              parentRefs: [{group: "", kind: Service, name: reviews}]
              rules:
              - backendRefs:
                - {name: reviews-v1, port: 9080, weight: 90}
                - {name: reviews-v2, port: 9080, weight: %s}
            """;

    @TempDir
    Path dir;

    private static String service(String name) {
        return "apiVersion: weft.dev/v1alpha1\nkind: Service\nmetadata: {name: " + name + "}\n"
                + "spec: {ports: [{port: 80}]}\n";
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static List<String> names(ResourceSet set) {
        return set.resources().stream().map(r -> r.metadata().name()).toList();
    }

    private static List<String> problems(ThrowingLoad load) {
        try {
            return org.assertj.core.api.Assertions.fail("expected a ResourceException, loaded " + load.load());
        } catch (ResourceException e) {
            return e.problems().stream().map(ResourceProblem::toString).toList();
        }
    }

    /** A load expected to fail. */
    private interface ThrowingLoad {
        ResourceSet load() throws ResourceException;
    }

    @Test
    void directoryGivesItsResourceFilesInNameOrderAndNotItsSubdirectories() throws Exception {
        write("b.yaml", service("from-b"));
        write("a.yml", service("from-a"));
        write("c.json", "{\"apiVersion\": \"weft.dev/v1alpha1\", \"kind\": \"Service\", \"metadata\": {\"name\": "
                + "\"from-c\"}, \"spec\": {\"ports\": [{\"port\": 80}]}}");
        write("README.md", "not a resource");
        write("sub/d.yaml", service("from-d"));

        assertThat(names(new ResourceLoader().load(dir))).containsExactly("from-a", "from-b", "from-c");
        assertThat(names(new ResourceLoader().recursive(true).load(dir)))
                .containsExactly("from-a", "from-b", "from-c", "from-d");
    }

    @Test
    void severalPathsLoadAsOneSet() throws Exception {
        Path a = write("x/a.yaml", service("a"));
        write("y/b.yaml", service("b"));

        assertThat(names(new ResourceLoader().load(List.of(a, dir.resolve("y"))))).containsExactly("a", "b");
    }

    @Test
    void oneBadDocumentInADirectoryFailsTheWholeLoad() throws Exception {
        write("a-services.yaml", service("reviews"));
        Path routes = write("routes.yaml", service("ratings") + "---\n" + CANARY.formatted(-5));

        assertThatThrownBy(() -> new ResourceLoader().load(dir))
                .isInstanceOf(ResourceException.class)
                .hasMessage(routes + " (document 2, HTTPRoute default/reviews): spec.rules[0].backendRefs[1].weight: "
                        + "must be between 0 and 1000000, got -5");
    }

    @Test
    void problemsOfEveryFileAreListedInFileOrder() throws Exception {
        Path first = write("1.yaml", CANARY.formatted(2_000_000));
        Path second = write("2.yaml", service("Bad"));

        assertThat(problems(() -> new ResourceLoader().load(dir))).containsExactly(
                first + " (document 1, HTTPRoute default/reviews): spec.rules[0].backendRefs[1].weight: must be "
                        + "between 0 and 1000000, got 2000000",
                second + " (document 1, Service): metadata.name: must be a lowercase RFC 1123 name (a-z, 0-9, '-' and "
                        + "'.', starting and ending with a letter or digit, at most 253 characters), got \"Bad\"");
    }

    @Test
    void emptyDocumentsAreSkippedButKeepTheirNumbers() {
        String text = "# services\n---\n---\n" + service("a") + "---\n# nothing here\n---\n" + service("B");

        assertThat(problems(() -> new ResourceLoader().load(text, "multi.yaml"))).singleElement().asString()
                .startsWith("multi.yaml (document 4, Service): metadata.name: must be a lowercase RFC 1123 name");
        assertThat(Loads.load("---\n" + service("a") + "---\n---\n").size()).isEqualTo(1);
        assertThat(Loads.load("# only comments\n").isEmpty()).isTrue();
    }

    @Test
    void syntaxErrorNamesItsDocumentAndLine() {
        String text = service("a") + "---\nkind: [Service\n";

        assertThat(problems(() -> new ResourceLoader().load(text, "broken.yaml"))).containsExactly(
                "broken.yaml (document 2): syntax error at line 6, column 15: while parsing a flow sequence: "
                        + "expected ',' or ']', but got <stream end>");
    }

    @Test
    void duplicateYamlKeysAreRejected() {
        String text = "apiVersion: weft.dev/v1alpha1\nkind: Service\nkind: Service\n";

        assertThat(problems(() -> new ResourceLoader().load(text, "dup.yaml"))).containsExactly(
                "dup.yaml (document 1): syntax error at line 3, column 5: Duplicate field 'kind'");
    }

    @Test
    void jsonSyntaxErrorNamesItsLine() {
        assertThat(problems(() -> new ResourceLoader().load("{\"kind\": \"Service\",\n", "broken.json")))
                .containsExactly("broken.json (document 1): syntax error at line 2, column 1: Unexpected end-of-input "
                        + "within/between Object entries");
    }

    @Test
    void listItemsMustBeAList() {
        assertThat(problems(() -> new ResourceLoader().load("apiVersion: v1\nkind: List\nitems: {}\n", "l.yaml")))
                .containsExactly("l.yaml: items: must be a list, got an object");
    }

    @Test
    void missingPathIsAProblem() {
        Path missing = dir.resolve("nope.yaml");

        assertThat(problems(() -> new ResourceLoader().load(missing))).containsExactly(missing + ": does not exist");
    }

    @Test
    void listDocumentItemsAreLocatedByIndex() {
        String text = "apiVersion: v1\nkind: List\nitems:\n" + (service("a") + service("b").replace("80", "0"))
                .replace("apiVersion: weft", "- apiVersion: weft").replaceAll("\n(?!- |$)", "\n  ");

        assertThat(problems(() -> new ResourceLoader().load(text, "list.yaml"))).containsExactly(
                "list.yaml (document 1, Service default/b): items[1].spec.ports[0].port: must be between 1 and 65535, "
                        + "got 0");
    }

    @Test
    void duplicateResourcesAcrossFilesAreRejected() throws Exception {
        Path a = write("a.yaml", service("reviews"));
        Path b = write("b.yaml", service("ratings") + "---\n" + service("reviews"));

        assertThat(problems(() -> new ResourceLoader().load(dir))).containsExactly(
                b + " (document 2, Service default/reviews): metadata.name: duplicate resource: Service default/reviews "
                        + "is also defined in " + a + " (document 1)");
    }

    @Test
    void aServiceHasOnePolicyAndSubsetNamesAreUniquePerNamespace() {
        String text = Loads.policy("targetRef: {name: reviews}\nsubsets: [{name: reviews-v2, labels: {version: v2}}]")
                + "---\n" + Loads.policy("targetRef: {name: reviews}").replace("name: p", "name: q")
                + "---\n" + Loads.policy("targetRef: {name: ratings}\nsubsets: [{name: reviews-v2, labels: {v: x}}]")
                .replace("name: p", "name: r");

        assertThat(problems(() -> new ResourceLoader().load(text, "policies.yaml"))).containsExactly(
                "policies.yaml (document 2, DestinationPolicy default/q): spec.targetRef.name: Service default/reviews "
                        + "already has DestinationPolicy default/p (policies.yaml, document 1); a Service has at most "
                        + "one DestinationPolicy",
                "policies.yaml (document 3, DestinationPolicy default/r): spec.subsets[0].name: subset \"reviews-v2\" "
                        + "is already declared by DestinationPolicy default/p (policies.yaml, document 1); backendRefs "
                        + "name subsets, so their names are unique per namespace");
    }

    @Test
    void sameNamesInOtherNamespacesOrKindsAreDistinct() {
        String text = service("reviews") + "---\n" + service("reviews").replace("{name: reviews}",
                "{name: reviews, namespace: other}") + "---\n" + Loads.policy("targetRef: {name: reviews}")
                .replace("name: p", "name: reviews");

        assertThat(Loads.load(text).size()).isEqualTo(3);
    }

    @Test
    void resourceSetOfAppliesTheSameCrossChecks() {
        Resource<?> reviews = Loads.load(service("reviews")).resources().get(0);

        assertThatThrownBy(() -> ResourceSet.of(List.of(reviews, reviews)))
                .isInstanceOf(ResourceException.class)
                .hasMessage("Service default/reviews: metadata.name: duplicate resource: Service default/reviews is "
                        + "also defined earlier in the set");
    }
}
