using System;
using System.IO;
using System.Text;

// Marks one version requirement (e.g. GLIBCXX_3.4.32) of an ELF64 little-endian shared library weak, so that the
// dynamic loader accepts a libstdc++ that lacks it. Used by LibTorchSharpOnOldLibstdcxx.targets on the build output only.
public class MarkGlibcxxVersionWeak : Microsoft.Build.Utilities.Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; }

    public string Version { get; set; }

    public string Mode { get; set; }

    public override bool Execute()
    {
        if (Mode == "auto" && HostHasVersion())
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "libstdc++ provides " + Version + ": libLibTorchSharp.so left as shipped.");
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var outcome = Patch(path);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, path + ": " + outcome);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError(path + ": cannot mark " + Version + " weak: " + e.Message);
                return false;
            }
        }

        return true;
    }

    private bool HostHasVersion()
    {
        var marker = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
        {
            if (File.Exists(candidate))
            {
                return IndexOf(File.ReadAllBytes(candidate), marker) >= 0;
            }
        }

        return false;
    }

    private string Patch(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }

        var sectionOffset = (long)BitConverter.ToUInt64(bytes, 0x28);
        int sectionSize = BitConverter.ToUInt16(bytes, 0x3a);
        int sectionCount = BitConverter.ToUInt16(bytes, 0x3c);
        for (var s = 0; s < sectionCount; s++)
        {
            var header = checked((int)(sectionOffset + (long)s * sectionSize));
            if (BitConverter.ToUInt32(bytes, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            var offset = checked((int)BitConverter.ToUInt64(bytes, header + 0x18));
            var link = (int)BitConverter.ToUInt32(bytes, header + 0x28);
            var stringHeader = checked((int)(sectionOffset + (long)link * sectionSize));
            var strings = checked((int)BitConverter.ToUInt64(bytes, stringHeader + 0x18));
            var found = false;
            var changed = false;
            var need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(bytes, need + 2);
                var aux = need + (int)BitConverter.ToUInt32(bytes, need + 8);
                for (var a = 0; a < count; a++)
                {
                    var name = ReadString(bytes, strings + (int)BitConverter.ToUInt32(bytes, aux + 8));
                    if (name == Version)
                    {
                        found = true;
                        var flags = BitConverter.ToUInt16(bytes, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            var weak = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
                            bytes[aux + 4] = weak[0];
                            bytes[aux + 5] = weak[1];
                            changed = true;
                        }
                    }

                    aux += (int)BitConverter.ToUInt32(bytes, aux + 12);
                }

                var next = BitConverter.ToUInt32(bytes, need + 12);
                if (next == 0)
                {
                    break;
                }

                need += (int)next;
            }

            if (!found)
            {
                return "does not ask for " + Version + ": left as is";
            }

            if (!changed)
            {
                return Version + " already weak";
            }

            var temporary = path + ".patching";
            File.WriteAllBytes(temporary, bytes);
            File.Copy(temporary, path, true);
            File.Delete(temporary);
            return "marked " + Version + " weak";
        }

        return "no version-needs section: left as is";
    }

    private static string ReadString(byte[] bytes, int start)
    {
        var end = start;
        while (bytes[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(bytes, start, end - start);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }
}
