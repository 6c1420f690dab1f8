@echo off
rem ASCII only until chcp: cmd.exe reads a .bat in the console code page (936 on Chinese Windows),
rem line by line as it runs, so the Chinese lines below are read as UTF-8 once chcp 65001 is set.
rem This file must keep CRLF line endings (.gitattributes): with LF only, cmd.exe misplaces labels.
rem Drop one or more workbooks on this file: the findings for each, before it is submitted.
rem The logic is in tools\launch.py (tested there); this file only finds a Python to run it.
chcp 65001 >nul
setlocal
cd /d "%~dp0"
call :findpython
if errorlevel 1 goto done
%PY% tools\launch.py check %*
:done
echo.
pause
exit /b

:findpython
rem .venv exists: its own python, no system Python needed. Else py -3.11 (the tested one), py -3, python.
set "PY="
if exist ".venv\Scripts\python.exe" (
    ".venv\Scripts\python.exe" -c "" >nul 2>&1 && set "PY=.venv\Scripts\python.exe" && exit /b 0
)
py -3.11 -c "" >nul 2>&1 && set "PY=py -3.11" && exit /b 0
py -3 -c "" >nul 2>&1 && set "PY=py -3" && exit /b 0
python -c "" >nul 2>&1 && set "PY=python" && exit /b 0
echo 未找到 Python：请从 https://www.python.org/downloads/ 下载安装 Python 3.11 或更高版本（安装时勾选“Add python.exe to PATH”），然后重新双击本文件。
exit /b 1
