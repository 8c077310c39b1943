namespace Fjord.Protocol.Records;

/// <summary>
/// The type field of a control record key (version int16, type int16). Transaction markers written
/// for EndTxn / WriteTxnMarkers are the only control records clients must understand.
/// </summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
}
