namespace Fjord.KubeLocal.Tests;

/// <summary>The manifests the golden tests apply with the real kubectl.</summary>
internal static class Manifests
{
    public const string StatefulSetAndService = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: c
                image: busybox:1.36
                command: ["sh", "-c", "sleep 1000"]
                env:
                - {name: A, value: "ENV_VALUE"}
                ports:
                - containerPort: 8080
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: {app: web}
          ports:
          - port: 80
        """;

    public const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
            additionalPrinterColumns:
            - {name: Mode, type: string, jsonPath: .spec.mode}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      mode: {type: string, enum: [fast, safe], default: safe}
                      replicas: {type: integer, minimum: 0, default: 1}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      observedGeneration: {type: integer}
                      conditions:
                        type: array
                        items:
                          type: object
                          properties:
                            type: {type: string}
                            status: {type: string}
        """;

    public static string Widget(string name, string spec) => $$"""
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: {{name}}}
        spec: {{spec}}
        """;
}
