using Fjord.Operator.CrdGeneration;

if (args.Length >= 1 && args[0] == "crds")
{
    var outIndex = Array.IndexOf(args, "--out");
    var directory = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine("deploy", "crds");
    return CrdWriter.Run(directory, Console.Out);
}
Console.Error.WriteLine("usage: fjord-operator crds [--out DIR]");
return 2;
