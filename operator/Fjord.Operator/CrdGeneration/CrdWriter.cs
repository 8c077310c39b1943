namespace Fjord.Operator.CrdGeneration;

/// <summary>The <c>fjord-operator crds --out DIR</c> command: writes every CRD's YAML into DIR. Called from Program.</summary>
public static class CrdWriter
{
    public static int Run(string outputDirectory, TextWriter log)
    {
        Directory.CreateDirectory(outputDirectory);
        foreach (var (fileName, crd) in FjordCrds.All())
        {
            var path = Path.Combine(outputDirectory, fileName);
            File.WriteAllText(path, FjordCrds.ToYaml(crd));
            log.WriteLine($"wrote {path}");
        }
        return 0;
    }
}
