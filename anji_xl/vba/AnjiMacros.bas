Attribute VB_Name = "AnjiMacros"
' The buttons of AnjiIndex.xlsm. Each runs Python through xlwings' RunPython: the add-in's in the
' shipped book, the book's own xlwings module in a standalone build. Module AnjiBuild, written when
' the book is built, says which (ANJI_XLWINGS_BOOK) and the xlwings version (ANJI_XLWINGS_VERSION).
' xlwings is called late-bound (Application.Run) so that this module compiles without the add-in.
' Whatever fails (no add-in, no Python, another xlwings version, a program that is not Excel) ends
' in a message saying what to do, never in a VBA error.
' Messages live in the book (named cells anji_msg_*) so they can be bilingual: VBA source is ANSI.
Option Explicit

Private lastMessage As String

Public Sub AnjiRecalculate()
    RunAnji "recalculate"
End Sub

Public Sub AnjiValidate()
    RunAnji "validate"
End Sub

Public Sub AnjiSensitivity()
    RunAnji "sensitivity"
End Sub

' Writes the evaluation report (.docx) beside the book and says where it went.
Public Sub AnjiReport()
    RunAnji "report"
End Sub

' Re-imports the wrappers after udfs.py is edited (needs Excel's trust access to the VBA project).
Public Sub AnjiImportFunctions()
    RunXlwings "ImportPythonUDFs", ""
End Sub

' The text of the last message the buttons showed, for automation without a screen.
Public Function AnjiLastMessage() As String
    AnjiLastMessage = lastMessage
End Function

' Run anji_xl.xlwings_macros.<action>() for this book.
Private Sub RunAnji(ByVal action As String)
    RunXlwings "RunPython", "import anji_xl.xlwings_macros as m; m." & action & "()"
End Sub

' Run xlwings' macro, with the Python command when there is one.
Private Sub RunXlwings(ByVal macro As String, ByVal pythonCode As String)
    Dim target As String
    If Not InExcel() Then
        ShowMessage "anji_msg_other_app", "xlwings runs only in Microsoft Excel. Use the native (no-Python) columns " & _
            "of Scores, or run anji-xl recalc on a PC with Python.", ""
        Exit Sub
    End If
    If Len(ANJI_XLWINGS_BOOK) = 0 Then
        target = "'" & ThisWorkbook.Name & "'!" & macro
    ElseIf BookOpen(ANJI_XLWINGS_BOOK) Then
        target = ANJI_XLWINGS_BOOK & "!" & macro
    Else
        ShowInstall ""
        Exit Sub
    End If
    On Error GoTo Failed
    If Len(pythonCode) = 0 Then
        Application.Run target
    Else
        Application.Run target, pythonCode
    End If
    Exit Sub
Failed:
    ShowFailure Err.Number, Err.Description
End Sub

' WPS and LibreOffice run this VBA too, but not xlwings. LibreOffice calls itself "Microsoft Excel";
' neither is known to have Excel's ProductCode (a GUID), and a missing property is an error here.
Private Function InExcel() As Boolean
    On Error Resume Next
    InExcel = InStr(1, Application.Name, "Microsoft Excel", vbTextCompare) > 0 And Len(Application.ProductCode) > 0
End Function

Private Function BookOpen(ByVal name As String) As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks(name)
    BookOpen = Not book Is Nothing
End Function

' A DLL that cannot be found or loaded is xlwings of another version than the book was built with
' (the DLL's name carries the version); anything else is a missing add-in or Python.
Private Sub ShowFailure(ByVal number As Long, ByVal detail As String)
    If number = 48 Or number = 53 Or InStr(1, detail, ".dll", vbTextCompare) > 0 Then
        ShowMessage "anji_msg_version", "This book was built for xlwings {version}; another xlwings version is " & _
            "installed. Run: pip install xlwings=={version}", detail
    Else
        ShowInstall detail
    End If
End Sub

Private Sub ShowInstall(ByVal detail As String)
    ShowMessage "anji_msg_install", "The xlwings add-in or Python is missing. In a command prompt run:" & vbLf & _
        "  pip install -e <anji-xl folder>" & vbLf & "  xlwings addin install" & vbLf & "then restart Excel.", detail
End Sub

Private Sub ShowMessage(ByVal name As String, ByVal fallback As String, ByVal detail As String)
    lastMessage = Replace(Message(name, fallback), "{version}", ANJI_XLWINGS_VERSION)
    If Len(detail) > 0 Then lastMessage = lastMessage & vbLf & vbLf & detail
    MsgBox lastMessage, vbExclamation, Message("anji_msg_title", "Anji Index")
End Sub

' The text of a named cell of this book, or the fallback when the name is gone.
Private Function Message(ByVal name As String, ByVal fallback As String) As String
    On Error GoTo Missing
    Message = ThisWorkbook.Names(name).RefersToRange.Value
    If Len(Message) > 0 Then Exit Function
Missing:
    Message = fallback
End Function
