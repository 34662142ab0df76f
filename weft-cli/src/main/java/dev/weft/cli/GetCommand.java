package dev.weft.cli;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceWriter;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft get KIND [NAME]}: lists or shows resources the control plane holds. */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "List the resources of a kind, or show one, as the control plane holds them.")
final class GetCommand implements Callable<Integer> {
    /** Output formats of {@code -o}. */
    enum Format { table, yaml, json }

    @Parameters(index = "0", paramLabel = "KIND",
            description = "HTTPRoute, GRPCRoute, DestinationPolicy, MeshConfig, Service, ServiceInstance or "
                    + "AuthorizationPolicy "
                    + "(any case, plural or singular).")
    private String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One resource's name.")
    private String name;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
    private String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "List the resources of every namespace.")
    private boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
    private Format format;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Kind> parsed = Kind.parse(kind);
        if (parsed.isEmpty()) {
            err.println("weft get: unknown kind '" + kind + "' (expected one of "
                    + Arrays.stream(Kind.values()).map(Kind::kindName).toList() + ")");
            return 2;
        }
        Kind k = parsed.get();
        if (allNamespaces && (name != null || namespace != null)) {
            err.println("weft get: --all-namespaces goes with neither a NAME nor --namespace");
            return 2;
        }
        String ns = !k.namespaced() ? null : allNamespaces ? null : Clients.namespaceOrDefault(namespace);
        ControlPlaneClient client = server.client();
        List<Resource<?>> items;
        try {
            if (name != null) {
                Optional<Resource<?>> one = client.get(k, ns, name);
                if (one.isEmpty()) {
                    err.println("weft get: " + Clients.name(k.kindName(), ns, name) + " not found");
                    return 1;
                }
                items = List.of(one.get());
            } else {
                items = client.list(k, ns);
            }
        } catch (IOException e) {
            err.println("weft get: " + server.describe(e));
            return 1;
        }
        switch (format) {
            case yaml -> out.print(items.size() == 1 && name != null ? ResourceWriter.toYaml(items.get(0))
                    : ResourceWriter.toYaml(items));
            case json -> out.println(items.size() == 1 && name != null ? ResourceWriter.toJson(items.get(0))
                    : ResourceWriter.toJson(items));
            case table -> table(out, k, items);
        }
        return 0;
    }

    private static void table(PrintWriter out, Kind kind, List<Resource<?>> items) {
        if (items.isEmpty()) {
            out.println("No " + kind.plural() + " found.");
            return;
        }
        Table table = kind.namespaced() ? new Table("NAMESPACE", "NAME", "GENERATION") : new Table("NAME", "GENERATION");
        for (Resource<?> r : items) {
            String generation = r.metadata().generation() == null ? "" : r.metadata().generation().toString();
            if (kind.namespaced()) {
                table.row(r.metadata().namespace(), r.metadata().name(), generation);
            } else {
                table.row(r.metadata().name(), generation);
            }
        }
        table.print(out);
    }
}
