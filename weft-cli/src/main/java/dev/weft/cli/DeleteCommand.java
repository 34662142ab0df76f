package dev.weft.cli;

import dev.weft.api.Kind;
import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft delete KIND NAME}: removes a resource from the control plane. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a resource from the control plane.")
final class DeleteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KIND", description = "The resource's kind, e.g. HTTPRoute.")
    private String kind;

    @Parameters(index = "1", paramLabel = "NAME", description = "The resource's name.")
    private String name;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
    private String namespace;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Optional<Kind> parsed = Kind.parse(kind);
        if (parsed.isEmpty()) {
            spec.commandLine().getErr().println("weft delete: unknown kind '" + kind + "' (expected one of "
                    + Arrays.stream(Kind.values()).map(Kind::kindName).toList() + ")");
            return 2;
        }
        Kind k = parsed.get();
        String ns = k.namespaced() ? Clients.namespaceOrDefault(namespace) : null;
        ControlPlaneClient client = server.client();
        String label = Clients.name(k.kindName(), ns, name);
        try {
            if (!client.delete(k, ns, name)) {
                spec.commandLine().getErr().println("weft delete: " + label + " not found");
                return 1;
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft delete: " + server.describe(e));
            return 1;
        }
        spec.commandLine().getOut().println(label + " deleted");
        return 0;
    }
}
