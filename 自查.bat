@echo off
rem ASCII only until chcp: cmd.exe reads a .bat in the console code page (936 on Chinese Windows),
rem line by line as it runs, so the Chinese lines below are read as UTF-8 once chcp 65001 is set.
rem This file must keep CRLF line endings (.gitattributes): with LF only, cmd.exe misplaces labels.
rem Drop one or more workbooks on this file: the findings for each, before it is submitted.
rem The logic is in tools\launch.py (tested there); this file only finds a Python to run it.
chcp 65001 >nul
setlocal
rem pushd, not cd /d: on a network share (\\server\share) cd fails and cmd would go on in
rem C:\Windows; pushd gives the share a drive letter for as long as this runs.
pushd "%~dp0" 2>nul || goto nofolder
rem Opened inside a zip: Explorer extracted this one file to a temporary folder, nothing beside it.
if not exist "tools\launch.py" goto unzipped
call :findpython
if errorlevel 1 goto done
%PY% tools\launch.py check %*
:done
popd
:end
echo.
pause
exit /b

:nofolder
echo 无法进入本文件所在的文件夹 %~dp0 ：请把整个文件夹复制到本机磁盘（如 D:\绩效自评）后再双击。
goto end

:unzipped
echo 本文件旁边没有 tools\launch.py：看来是在压缩包里直接双击的。请先右键压缩包选“全部解压缩”，再打开解压出的文件夹双击本文件。
goto done

:findpython
rem A .venv whose install finished (a stamp): its own python. Else py -3.11 (the tested one), py -3,
rem python. A .venv an interrupted first run left half-built is repaired by launch.py from outside.
set "PY="
set "READY="
if exist ".venv\.installed-launcher-stamp" set "READY=1"
if exist ".venv\.installed-stamp" set "READY=1"
if defined READY if exist ".venv\Scripts\python.exe" (
    ".venv\Scripts\python.exe" -c "" >nul 2>&1 && set "PY=.venv\Scripts\python.exe" && exit /b 0
)
py -3.11 -c "" >nul 2>&1 && set "PY=py -3.11" && exit /b 0
py -3 -c "" >nul 2>&1 && set "PY=py -3" && exit /b 0
python -c "" >nul 2>&1 && set "PY=python" && exit /b 0
echo 未找到 Python：请安装 64 位 Python 3.11 或更高版本（https://www.python.org/downloads/ ，步骤见 README“安装 Python”），然后重新双击本文件。
exit /b 1
