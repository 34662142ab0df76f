package dev.weft.cli;

import dev.weft.controlplane.client.ControlPlaneClient;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft deregister NAME}: removes an instance from the registry at once. */
@Command(name = "deregister", mixinStandardHelpOptions = true,
        description = "Remove an instance registered with `weft register` (or by the API) from the registry.")
final class DeregisterCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The instance's name.")
    private String name;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
    private String namespace;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String ns = Clients.namespaceOrDefault(namespace);
        ControlPlaneClient client = server.client();
        try {
            if (!client.deregister(ns, name)) {
                spec.commandLine().getErr().println("weft deregister: serviceinstance/" + ns + "/" + name + " not registered");
                return 1;
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft deregister: " + server.describe(e));
            return 1;
        }
        spec.commandLine().getOut().println("serviceinstance/" + ns + "/" + name + " deregistered");
        return 0;
    }
}
