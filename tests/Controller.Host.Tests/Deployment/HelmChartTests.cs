using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Deployment;

/// <summary>
/// charts/controller with the real helm binary (lint, template, values schema) and the rendered manifests checked
/// offline against the Kubernetes API schemas. No cluster runs here: what the API server or a kubelet would still
/// reject beyond the schemas (admission, quotas, a missing Secret) is not covered.
/// </summary>
public sealed partial class HelmChartTests
{
    private static readonly string[] AzureTableWithGpu = ["membership.provider=azure-table", "inference.gpu.enabled=true"];

    private static readonly string[] NoSimulatorExistingAccount =
        ["ranSim.enabled=false", "ran.url=http://ran.example:8080", "control.podDisruptionBudget.enabled=false", "serviceAccount.create=false", "serviceAccount.name=silos"];

    private static readonly string[] Scheduling =
    [
        "control.replicas=5", "inference.replicas=0", "control.nodeSelector.pool=control", "inference.tolerations[0].key=gpu",
        "inference.tolerations[0].operator=Exists", "imagePullSecrets[0]=registry", "ranSim.regions=4", "ranSim.seed=7", "ranSim.scenario=urban",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lint_Chart_Passes(bool strict)
    {
        string[] arguments = strict ? ["lint", DeploymentTools.ChartDirectory, "--strict"] : ["lint", DeploymentTools.ChartDirectory];

        var result = DeploymentTools.RunHelm(arguments);

        Assert.True(result.ExitCode == 0, $"helm {string.Join(' ', arguments)}: {result.Output}{result.Error}");
        Assert.Contains("0 chart(s) failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_Defaults_RendersEveryResourceOfTheChart()
    {
        var kinds = DeploymentTools.Check(DeploymentTools.Template()).Select(m => m.Document).Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "ConfigMap/demo-controller",
                "Deployment/demo-controller-inference",
                "Deployment/demo-controller-ran-sim",
                "PodDisruptionBudget/demo-controller-control",
                "Role/demo-controller-orleans-hosting",
                "RoleBinding/demo-controller-orleans-hosting",
                "Service/demo-controller",
                "Service/demo-controller-control",
                "Service/demo-controller-ran-sim",
                "ServiceAccount/demo-controller",
                "StatefulSet/demo-controller-control",
            ],
            kinds);
    }

    public static TheoryData<string[]> Variants => new()
    {
        Array.Empty<string>(),
        AzureTableWithGpu,
        NoSimulatorExistingAccount,
        Scheduling,
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Template_Variant_IsValidAgainstTheKubernetesSchemas(string[] assignments)
    {
        var manifests = DeploymentTools.Check(DeploymentTools.Template(assignments));

        Assert.NotEmpty(manifests);
        Assert.All(manifests, m => Assert.True(m.Errors.Count == 0, $"{m.Document}: {string.Join("; ", m.Errors)}"));
    }

    [Fact]
    public void KubernetesSchemaCheck_BrokenManifest_ReportsEachError()
    {
        // The check must be able to fail: a typo'd field, a string where an integer belongs, a missing required field.
        var broken = DeploymentTools.Template()
            .Replace("readinessProbe:", "readynessProbe:", StringComparison.Ordinal)
            .Replace("replicas: 3", "replicas: three", StringComparison.Ordinal)
            .Replace("serviceName: demo-controller-control", "", StringComparison.Ordinal)
            .Replace("kind: ConfigMap", "kind: ConfigMop", StringComparison.Ordinal);

        var errors = DeploymentTools.Check(broken).SelectMany(m => m.Errors.Select(e => $"{m.Document}: {e}")).ToList();

        Assert.Contains(errors, e => e.Contains("/containers/0/readynessProbe: unknown field", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("StatefulSet/", StringComparison.Ordinal) && e.Contains("/spec/replicas: type", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ConfigMop", StringComparison.Ordinal) && e.Contains("no Kubernetes schema", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "membership.provider=foo", "at '/membership/provider': value must be one of 'redis', 'azure-table'" },
        { "control.replicas=-1", "at '/control/replicas': minimum" },
        { "inference.replicas=two", "at '/inference/replicas'" },
        { "membership.redis.connectionString=redis:6379,password=hunter2", "additional properties 'connectionString' not allowed" },
        { "blob.secret.value=DefaultEndpointsProtocol=https", "additional properties 'value' not allowed" },
        { "apiKey.key=hunter2", "additional properties 'key' not allowed" },
        { "ranSim.enabled=false", "at '/ran/url'" },
        { "inference.gpu.resource=gpu", "at '/inference/gpu/resource'" },
        { "unknownSetting=1", "additional properties 'unknownSetting' not allowed" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Template_BadValue_IsRejectedByTheValuesSchema(string assignment, string expected)
    {
        var result = DeploymentTools.RunHelm("template", "demo", DeploymentTools.ChartDirectory, "--set", assignment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("values don't meet the specifications of the schema", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StatefulSet")]
    [InlineData("Deployment")]
    public void SiloPods_ProvideWhatOrleansKubernetesHostingNeeds(string kind)
    {
        var manifests = DeploymentTools.Check(DeploymentTools.Template("orleans.clusterId=blue", "orleans.serviceId=ran-controller"));
        var workload = Silo(manifests, kind);
        var pod = workload["spec"]!["template"]!;
        var container = pod["spec"]!["containers"]![0]!;

        Assert.Equal("metadata.name", FieldRef(container, "POD_NAME"));
        Assert.Equal("metadata.namespace", FieldRef(container, "POD_NAMESPACE"));
        Assert.Equal("status.podIP", FieldRef(container, "POD_IP"));
        Assert.Equal("metadata.labels['orleans/serviceId']", FieldRef(container, "ORLEANS_SERVICE_ID"));
        Assert.Equal("metadata.labels['orleans/clusterId']", FieldRef(container, "ORLEANS_CLUSTER_ID"));
        Assert.Equal("ran-controller", pod["metadata"]!["labels"]!["orleans/serviceId"]!.GetValue<string>());
        Assert.Equal("blue", pod["metadata"]!["labels"]!["orleans/clusterId"]!.GetValue<string>());

        // The pod's ServiceAccount is bound to a Role that grants the verbs the hosting uses on pods.
        var account = pod["spec"]!["serviceAccountName"]!.GetValue<string>();
        Assert.NotEqual(false, pod["spec"]!["automountServiceAccountToken"]?.GetValue<bool>());
        Assert.Contains(manifests, m => m.Kind == "ServiceAccount" && m.Name == account);
        var binding = Assert.Single(manifests, m => m.Kind == "RoleBinding"
            && m.Manifest["subjects"]!.AsArray().Any(s => s!["kind"]!.GetValue<string>() == "ServiceAccount"
                && s["name"]!.GetValue<string>() == account && s["namespace"]!.GetValue<string>() == "ran"));
        var roleRef = binding.Manifest["roleRef"]!;
        Assert.Equal("Role", roleRef["kind"]!.GetValue<string>());
        var role = Assert.Single(manifests, m => m.Kind == "Role" && m.Name == roleRef["name"]!.GetValue<string>());
        var granted = role.Manifest["rules"]!.AsArray()
            .Where(r => Strings(r!["apiGroups"]).Contains("") && Strings(r["resources"]).Contains("pods"))
            .SelectMany(r => Strings(r!["verbs"]))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["get", "list", "watch", "patch", "delete"], StringComparer.Ordinal), granted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Secrets_AreOnlyReferenced_NeverInlinedNorInArgs(bool azureTable)
    {
        string[] assignments =
        [
            azureTable ? "membership.provider=azure-table" : "membership.provider=redis",
            "membership.redis.secret.name=redis-conn", "membership.redis.secret.key=cs",
            "membership.azureTable.secret.name=table-conn", "membership.azureTable.secret.key=cs",
            "blob.secret.name=blob-conn", "blob.secret.key=cs",
            "apiKey.secret.name=api-key-secret", "apiKey.secret.key=bearer",
        ];
        var manifests = DeploymentTools.Check(DeploymentTools.Template(assignments));

        Assert.DoesNotContain(manifests, m => m.Kind == "Secret");
        var configMap = Assert.Single(manifests, m => m.Kind == "ConfigMap").Manifest["data"]!.AsObject();
        string[] secretVariables = ["CONTROLLER_REDIS", "CONTROLLER_AZURE_TABLE", "CONTROLLER_BLOB"];
        foreach (var silo in new[] { Silo(manifests, "StatefulSet"), Silo(manifests, "Deployment") })
        {
            var spec = silo["spec"]!["template"]!["spec"]!;
            var container = spec["containers"]![0]!;
            var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!);

            // The connection strings: secretKeyRef to the named Secret and key, never a literal value.
            var membership = azureTable ? ("CONTROLLER_AZURE_TABLE", "table-conn") : ("CONTROLLER_REDIS", "redis-conn");
            AssertSecretKeyRef(env, membership.Item1, membership.Item2, "cs");
            AssertSecretKeyRef(env, "CONTROLLER_BLOB", "blob-conn", "cs");
            Assert.All(env.Values, e => Assert.True(
                e["value"] is null || !secretVariables.Contains(e["name"]!.GetValue<string>()),
                $"{e["name"]} has a literal value"));

            // The API key: a file of the mounted Secret, named by CONTROLLER_API_KEY_FILE.
            var keyFile = env["CONTROLLER_API_KEY_FILE"]["value"]!.GetValue<string>();
            var mount = container["volumeMounts"]!.AsArray().Single(v => keyFile.StartsWith(v!["mountPath"]!.GetValue<string>() + "/", StringComparison.Ordinal))!;
            var volume = spec["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!;
            Assert.Equal("api-key-secret", volume["secret"]!["secretName"]!.GetValue<string>());
            var item = Assert.Single(volume["secret"]!["items"]!.AsArray())!;
            Assert.Equal("bearer", item["key"]!.GetValue<string>());
            Assert.Equal(keyFile, mount["mountPath"]!.GetValue<string>() + "/" + item["path"]!.GetValue<string>());

            // Args name the variables that hold secrets (--redis-from-env CONTROLLER_REDIS) but never expand them: every
            // $(NAME) in them is a ConfigMap setting.
            var args = Strings(container["args"]);
            Assert.Contains("--blob-from-env", args);
            foreach (Match reference in ArgReference().Matches(string.Join(' ', args)))
            {
                Assert.True(configMap.ContainsKey(reference.Groups[1].Value), $"arg expands {reference.Value}, which is not a ConfigMap setting");
            }

            Assert.DoesNotContain(args, a => secretVariables.Any(v => a.Contains($"$({v})", StringComparison.Ordinal)));
        }
    }

    [Theory]
    [InlineData("StatefulSet")]
    [InlineData("Deployment")]
    public void SiloProbes_HitHealthzAndReadyzOnTheHttpPort(string kind)
    {
        var container = Silo(DeploymentTools.Check(DeploymentTools.Template()), kind)["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var httpPort = container["ports"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "http")!["containerPort"]!.GetValue<int>();

        Assert.Equal(5080, httpPort);
        Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("http", container["livenessProbe"]!["httpGet"]!["port"]!.GetValue<string>());
        Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("http", container["readinessProbe"]!["httpGet"]!["port"]!.GetValue<string>());
        Assert.Contains("--listen", Strings(container["args"]));
    }

    [Fact]
    public void EveryContainer_RunsNonRootReadOnlyWithoutPrivilegesAndWithATmpVolume()
    {
        var workloads = DeploymentTools.Check(DeploymentTools.Template(AzureTableWithGpu))
            .Where(m => m.Kind is "StatefulSet" or "Deployment")
            .ToList();

        Assert.Equal(3, workloads.Count);
        foreach (var workload in workloads)
        {
            var spec = workload.Manifest["spec"]!["template"]!["spec"]!;
            Assert.True(spec["securityContext"]!["runAsNonRoot"]!.GetValue<bool>(), workload.Document);
            foreach (var container in spec["containers"]!.AsArray())
            {
                var security = container!["securityContext"]!;
                Assert.False(security["allowPrivilegeEscalation"]!.GetValue<bool>(), workload.Document);
                Assert.True(security["readOnlyRootFilesystem"]!.GetValue<bool>(), workload.Document);
                Assert.Equal(["ALL"], Strings(security["capabilities"]!["drop"]));
                var tmp = container["volumeMounts"]!.AsArray().Single(v => v!["mountPath"]!.GetValue<string>() == "/tmp")!;
                var volume = spec["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == tmp["name"]!.GetValue<string>())!;
                Assert.NotNull(volume["emptyDir"]);
                Assert.NotNull(container["resources"]!["requests"]);
                Assert.NotNull(container["resources"]!["limits"]);
            }
        }
    }

    [Fact]
    public void AzureTableWithGpuVariant_UsesTableMembershipAndRequestsTheGpuForInferenceOnly()
    {
        var manifests = DeploymentTools.Check(DeploymentTools.Template(AzureTableWithGpu));
        var inference = Silo(manifests, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var control = Silo(manifests, "StatefulSet")["spec"]!["template"]!["spec"]!["containers"]![0]!;

        Assert.Equal(1, inference["resources"]!["limits"]!["nvidia.com/gpu"]!.GetValue<int>());
        Assert.Null(control["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("azure-table", Assert.Single(manifests, m => m.Kind == "ConfigMap").Manifest["data"]!["SILO_MEMBERSHIP"]!.GetValue<string>());
        foreach (var container in new[] { inference, control })
        {
            var args = Strings(container["args"]);
            Assert.Contains("--table-from-env", args);
            Assert.DoesNotContain("--redis-from-env", args);
        }

        var gpuOff = Silo(DeploymentTools.Check(DeploymentTools.Template()), "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Null(gpuOff["resources"]!["limits"]!["nvidia.com/gpu"]);
    }

    [Fact]
    public void ControlSilos_HaveAHeadlessServiceAndADisruptionBudgetSelectingThem()
    {
        var manifests = DeploymentTools.Check(DeploymentTools.Template());
        var statefulSet = Silo(manifests, "StatefulSet");
        var podLabels = statefulSet["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var headless = Assert.Single(manifests, m => m.Kind == "Service" && m.Name == statefulSet["spec"]!["serviceName"]!.GetValue<string>());
        var budget = Assert.Single(manifests, m => m.Kind == "PodDisruptionBudget");

        Assert.Equal("None", headless.Manifest["spec"]!["clusterIP"]!.GetValue<string>());
        Assert.True(Selects(headless.Manifest["spec"]!["selector"]!.AsObject(), podLabels));
        Assert.True(Selects(budget.Manifest["spec"]!["selector"]!["matchLabels"]!.AsObject(), podLabels));
        Assert.Equal(1, budget.Manifest["spec"]!["maxUnavailable"]!.GetValue<int>());
        var inferenceLabels = Silo(manifests, "Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.False(Selects(budget.Manifest["spec"]!["selector"]!["matchLabels"]!.AsObject(), inferenceLabels));
    }

    [Fact]
    public void RanSimulatorDisabled_ControlSilosDriveTheGivenRan()
    {
        var manifests = DeploymentTools.Check(DeploymentTools.Template("ranSim.enabled=false", "ran.url=http://ran.example:8080"));

        Assert.DoesNotContain(manifests, m => m.Name.EndsWith("-ran-sim", StringComparison.Ordinal));
        Assert.Equal("http://ran.example:8080", Assert.Single(manifests, m => m.Kind == "ConfigMap").Manifest["data"]!["SILO_RAN_URL"]!.GetValue<string>());

        var demo = DeploymentTools.Check(DeploymentTools.Template());
        var simulator = Assert.Single(demo, m => m.Kind == "Service" && m.Name == "demo-controller-ran-sim");
        var port = simulator.Manifest["spec"]!["ports"]![0]!["port"]!.GetValue<int>();
        Assert.Equal($"http://demo-controller-ran-sim:{port}", Assert.Single(demo, m => m.Kind == "ConfigMap").Manifest["data"]!["SILO_RAN_URL"]!.GetValue<string>());
    }

    private static JsonObject Silo(IReadOnlyList<RenderedManifest> manifests, string kind) =>
        Assert.Single(manifests, m => m.Kind == kind && m.Manifest["spec"]!["template"]!["metadata"]!["labels"]!["orleans/serviceId"] is not null).Manifest;

    private static string? FieldRef(JsonNode container, string variable) =>
        container["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == variable)!["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>();

    private static void AssertSecretKeyRef(Dictionary<string, JsonNode> env, string variable, string secret, string key)
    {
        Assert.True(env.ContainsKey(variable), $"{variable} is not set");
        var reference = env[variable]["valueFrom"]?["secretKeyRef"];
        Assert.True(reference is not null, $"{variable} is not a secretKeyRef");
        Assert.Null(env[variable]["value"]);
        Assert.Equal(secret, reference["name"]!.GetValue<string>());
        Assert.Equal(key, reference["key"]!.GetValue<string>());
    }

    private static bool Selects(JsonObject selector, JsonObject labels) =>
        selector.All(pair => labels[pair.Key]?.GetValue<string>() == pair.Value!.GetValue<string>());

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex ArgReference();
}
