Attribute VB_Name = "AnjiMacros"
' The buttons of AnjiIndex.xlsm. Each runs Python through the xlwings add-in; when the add-in
' or Python is missing it shows how to install them instead of a VBA error.
' Messages live in the book (named cells anji_msg_*) so they can be bilingual: VBA source is ANSI.
Option Explicit

Public Sub AnjiRecalculate()
    RunAnji "recalculate"
End Sub

Public Sub AnjiValidate()
    RunAnji "validate"
End Sub

Public Sub AnjiSensitivity()
    RunAnji "sensitivity"
End Sub

Public Sub AnjiImportFunctions()
    If Not AddinLoaded() Then
        ShowHelp ""
        Exit Sub
    End If
    On Error GoTo Failed
    Application.Run "xlwings.xlam!ImportPythonUDFs"
    Exit Sub
Failed:
    ShowHelp Err.Description
End Sub

' Run anji_xl.xlwings_macros.<action>() for the calling book.
Private Sub RunAnji(ByVal action As String)
    If Not AddinLoaded() Then
        ShowHelp ""
        Exit Sub
    End If
    On Error GoTo Failed
    Application.Run "xlwings.xlam!RunPython", "import anji_xl.xlwings_macros as m; m." & action & "()"
    Exit Sub
Failed:
    ShowHelp Err.Description
End Sub

Private Function AddinLoaded() As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks("xlwings.xlam")
    On Error GoTo 0
    AddinLoaded = Not book Is Nothing
End Function

Private Sub ShowHelp(ByVal detail As String)
    Dim text As String
    text = Message("anji_msg_install", "The xlwings add-in or Python is missing. In a command prompt run:" & vbLf & _
        "  pip install -e <anji-xl folder>" & vbLf & "  xlwings addin install" & vbLf & "then restart Excel.")
    If Len(detail) > 0 Then text = text & vbLf & vbLf & detail
    MsgBox text, vbExclamation, Message("anji_msg_title", "Anji Index")
End Sub

' The text of a named cell of this book, or the fallback when the name is gone.
Private Function Message(ByVal name As String, ByVal fallback As String) As String
    On Error GoTo Missing
    Message = ThisWorkbook.Names(name).RefersToRange.Value
    Exit Function
Missing:
    Message = fallback
End Function
