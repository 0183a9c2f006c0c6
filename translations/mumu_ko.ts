<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>mumu::AssetStore</name>
    <message>
        <source>&apos;%1&apos;: no such file</source>
        <translation>&apos;%1&apos;: 파일이 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a file</source>
        <translation>&apos;%1&apos;은(는) 파일이 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is empty (0 bytes): not an image</source>
        <translation>&apos;%1&apos;이(가) 비어 있습니다(0바이트): 이미지가 아닙니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is too large for a reference image (%2 MiB)</source>
        <translation>&apos;%1&apos;은(는) 참조 이미지로 쓰기에 너무 큽니다(%2 MiB)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read: %2</source>
        <translation>&apos;%1&apos;을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read completely: %2</source>
        <translation>&apos;%1&apos;을(를) 끝까지 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>The pasted image is empty</source>
        <translation>붙여넣은 이미지가 비어 있습니다</translation>
    </message>
    <message>
        <source>The pasted image could not be encoded as PNG</source>
        <translation>붙여넣은 이미지를 PNG로 인코딩할 수 없습니다</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>붙여넣은 이미지</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an image MUMU Studio can read (%2)</source>
        <translation>&apos;%1&apos;은(는) MUMU Studio에서 읽을 수 있는 이미지가 아닙니다(%2)</translation>
    </message>
    <message>
        <source>Cannot create the asset folder &apos;%1&apos;</source>
        <translation>에셋 폴더 &apos;%1&apos;을(를) 만들 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot store &apos;%1&apos; as &apos;%2&apos;: %3</source>
        <translation>&apos;%1&apos;을(를) &apos;%2&apos;(으)로 저장할 수 없습니다: %3</translation>
    </message>
    <message>
        <source>Cannot store &apos;%1&apos; as &apos;%2&apos; (is the disk full?): %3</source>
        <translation>&apos;%1&apos;을(를) &apos;%2&apos;(으)로 저장할 수 없습니다(디스크가 가득 찼나요?): %3</translation>
    </message>
</context>
<context>
    <name>mumu::AttentionMapReader</name>
    <message>
        <source>no attention record file given</source>
        <translation>어텐션 기록 파일이 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>no such file (this image has no attention record)</source>
        <translation>파일이 없습니다(이 이미지에는 어텐션 기록이 없음)</translation>
    </message>
    <message>
        <source>not a regular file</source>
        <translation>일반 파일이 아닙니다</translation>
    </message>
    <message>
        <source>no tensor &apos;attention&apos; in the file</source>
        <translation>파일에 &apos;attention&apos; 텐서가 없습니다</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; is %1, expected F32</source>
        <translation>&apos;attention&apos; 텐서가 %1입니다(F32여야 함)</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; has rank %1, expected 3 [segments, height, width]</source>
        <translation>&apos;attention&apos; 텐서의 차원이 %1입니다(3이어야 함 [세그먼트, 높이, 너비])</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; has an empty shape [%1, %2, %3]</source>
        <translation>&apos;attention&apos; 텐서의 형태 [%1, %2, %3]이(가) 비어 있습니다</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; shape [%1, %2, %3] is implausibly large</source>
        <translation>&apos;attention&apos; 텐서의 형태 [%1, %2, %3]이(가) 비정상적으로 큽니다</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; does not hold %1 float32 values</source>
        <translation>&apos;attention&apos; 텐서에 float32 값 %1개가 들어 있지 않습니다</translation>
    </message>
    <message>
        <source>tensor &apos;attention&apos; holds a non-finite value at element %1</source>
        <translation>&apos;attention&apos; 텐서의 요소 %1에 유한하지 않은 값이 있습니다</translation>
    </message>
</context>
<context>
    <name>mumu::ChipEditor</name>
    <message>
        <source>Reference image — %1</source>
        <translation>참조 이미지 — %1</translation>
    </message>
    <message>
        <source>Drag on the image to draw a crop box; click once to use the whole image.</source>
        <translation>이미지 위를 드래그해 크롭 영역을 그리세요. 한 번 클릭하면 이미지 전체를 사용합니다.</translation>
    </message>
    <message>
        <source>How strongly the image steers the generation: 1 = normal, 0 = ignored.</source>
        <translation>이미지가 생성에 미치는 영향의 강도: 1 = 보통, 0 = 무시.</translation>
    </message>
    <message>
        <source>A note for yourself (kept in the recipe)</source>
        <translation>개인 메모(레시피에 저장됨)</translation>
    </message>
    <message>
        <source>Whole image</source>
        <translation>이미지 전체</translation>
    </message>
    <message>
        <source>Weight:</source>
        <translation>가중치:</translation>
    </message>
    <message>
        <source>Crop:</source>
        <translation>크롭 영역:</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>메모:</translation>
    </message>
    <message>
        <source>The image %1 cannot be read; the crop box cannot be drawn.</source>
        <translation>이미지 %1을(를) 읽을 수 없어 크롭 영역을 그릴 수 없습니다.</translation>
    </message>
    <message>
        <source>whole image</source>
        <translation>이미지 전체</translation>
    </message>
    <message>
        <source>x %1, y %2, %3 × %4 px</source>
        <translation>x %1, y %2, %3 × %4 px</translation>
    </message>
</context>
<context>
    <name>mumu::CompareView</name>
    <message>
        <source>Prompt</source>
        <translation>프롬프트</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>네거티브 프롬프트</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>샘플러</translation>
    </message>
    <message>
        <source>Schedule type</source>
        <translation>스케줄 유형</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>CFG scale</source>
        <translation>CFG 스케일</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>배치</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Model hash</source>
        <translation>모델 해시</translation>
    </message>
    <message>
        <source>RNG</source>
        <translation>RNG</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>정밀도</translation>
    </message>
    <message>
        <source>MUMU version</source>
        <translation>MUMU 버전</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성 일시</translation>
    </message>
    <message>
        <source>no recipe</source>
        <translation>레시피 없음</translation>
    </message>
    <message>
        <source>Recipe A: %1</source>
        <translation>레시피 A: %1</translation>
    </message>
    <message>
        <source>Recipe B: %1</source>
        <translation>레시피 B: %1</translation>
    </message>
    <message>
        <source>Zoom out both images (-, mouse wheel)</source>
        <translation>두 이미지 축소(-, 마우스 휠)</translation>
    </message>
    <message>
        <source>Zoom in both images (+, mouse wheel)</source>
        <translation>두 이미지 확대(+, 마우스 휠)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>맞춤</translation>
    </message>
    <message>
        <source>Fit both images to their windows (0)</source>
        <translation>두 이미지를 각 창에 맞춤(0)</translation>
    </message>
    <message>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <source>Actual size (1)</source>
        <translation>실제 크기(1)</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>항목</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>Choose two generations to compare.</source>
        <translation>비교할 생성 결과 두 개를 선택하세요.</translation>
    </message>
    <message>
        <source>The recipes are identical.</source>
        <translation>두 레시피가 동일합니다.</translation>
    </message>
    <message>
        <source>Fields that differ (highlighted): %1</source>
        <translation>다른 항목(강조 표시됨): %1</translation>
    </message>
</context>
<context>
    <name>mumu::CropView</name>
    <message>
        <source>The image cannot be read.</source>
        <translation>이미지를 읽을 수 없습니다.</translation>
    </message>
</context>
<context>
    <name>mumu::GalleryModel</name>
    <message>
        <source>%1
%2 · %3 · seed %4 · %5×%6</source>
        <translation>%1
%2 · %3 · 시드 %4 · %5×%6</translation>
    </message>
</context>
<context>
    <name>mumu::GalleryView</name>
    <message numerus="yes">
        <source>Delete %n image(s)</source>
        <translation>
            <numerusform>이미지 %n개 삭제</numerusform>
        </translation>
    </message>
    <message>
        <source>New board</source>
        <translation>새 보드</translation>
    </message>
    <message>
        <source>Name of the new board:</source>
        <translation>새 보드 이름:</translation>
    </message>
    <message>
        <source>Search prompts…</source>
        <translation>프롬프트 검색…</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>최신순</translation>
    </message>
    <message>
        <source>Oldest first</source>
        <translation>오래된 순</translation>
    </message>
    <message>
        <source>Highest rated</source>
        <translation>평점 높은 순</translation>
    </message>
    <message>
        <source>Best match</source>
        <translation>관련도순</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>전체 기간</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>오늘</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>최근 7일</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>최근 30일</translation>
    </message>
    <message>
        <source>Dates…</source>
        <translation>기간 지정…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>To</source>
        <translation>종료</translation>
    </message>
    <message>
        <source>★ Starred</source>
        <translation>★ 별표</translation>
    </message>
    <message>
        <source>Show only starred images</source>
        <translation>별표한 이미지만 표시</translation>
    </message>
    <message>
        <source>Any rating</source>
        <translation>모든 평점</translation>
    </message>
    <message>
        <source>%1 or more</source>
        <translation>%1 이상</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>모든 모델</translation>
    </message>
    <message>
        <source>All samplers</source>
        <translation>모든 샘플러</translation>
    </message>
    <message>
        <source>All boards</source>
        <translation>모든 보드</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>다시 사용</translation>
    </message>
    <message>
        <source>Put this recipe (text and reference images) back into the composer</source>
        <translation>이 레시피(텍스트와 참조 이미지)를 프롬프트 편집기에 다시 넣기</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>비교</translation>
    </message>
    <message>
        <source>Compare the two selected images side by side</source>
        <translation>선택한 두 이미지를 나란히 비교</translation>
    </message>
    <message>
        <source>Open Image…</source>
        <translation>이미지 열기…</translation>
    </message>
    <message>
        <source>Recover the recipe of a PNG (MUMU Studio&apos;s, or another tool&apos;s A1111 text)</source>
        <translation>PNG에서 레시피 복원(MUMU Studio 메타데이터 또는 다른 도구의 A1111 텍스트)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Star / Unstar</source>
        <translation>별표 / 별표 해제</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <source>New Board…</source>
        <translation>새 보드…</translation>
    </message>
    <message>
        <source>No rating</source>
        <translation>평점 없음</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>이미지 %n개</numerusform>
        </translation>
    </message>
    <message>
        <source>Select an image to see its recipe.</source>
        <translation>이미지를 선택하면 레시피가 표시됩니다.</translation>
    </message>
    <message numerus="yes">
        <source>%n images selected</source>
        <translation>
            <numerusform>이미지 %n개 선택됨</numerusform>
        </translation>
    </message>
    <message>
        <source>missing image %1</source>
        <translation>이미지 %1 없음</translation>
    </message>
    <message>
        <source>Negative:</source>
        <translation>네거티브:</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>샘플러</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>스텝</translation>
    </message>
    <message>
        <source>CFG</source>
        <translation>CFG</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>장치</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성 일시</translation>
    </message>
    <message>
        <source>This recipe cannot be read: %1</source>
        <translation>이 레시피를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The image file is missing or unreadable.</source>
        <translation>이미지 파일이 없거나 읽을 수 없습니다.</translation>
    </message>
    <message>
        <source>Export images to</source>
        <translation>이미지를 내보낼 위치</translation>
    </message>
    <message>
        <source>Exported %1 of %2 images. %3</source>
        <translation>이미지 %2개 중 %1개를 내보냈습니다. %3</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n image(s) to %1</source>
        <translation>
            <numerusform>이미지 %n개를 %1에 내보냈습니다</numerusform>
        </translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>이미지 열기</translation>
    </message>
    <message>
        <source>PNG images (*.png);;All files (*)</source>
        <translation>PNG 이미지 (*.png);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Opened: %1</source>
        <translation>열림: %1</translation>
    </message>
    <message>
        <source>Recipe recovered from %1</source>
        <translation>%1에서 레시피를 복원했습니다</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>평점</translation>
    </message>
    <message>
        <source>Add to Board</source>
        <translation>보드에 추가</translation>
    </message>
    <message>
        <source>Remove from This Board</source>
        <translation>이 보드에서 제거</translation>
    </message>
    <message>
        <source>Star</source>
        <translation>별표</translation>
    </message>
    <message>
        <source>Unstar</source>
        <translation>별표 해제</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>평점 매기기</translation>
    </message>
</context>
<context>
    <name>mumu::GenerationQueue</name>
    <message>
        <source>Unknown error</source>
        <translation>알 수 없는 오류</translation>
    </message>
    <message>
        <source>Could not save the image: %1</source>
        <translation>이미지를 저장할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>일시 정지됨</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>대기 중</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>취소 중…</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>스텝 %1/%2</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>모델 불러오는 중…</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>실패: %1</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>취소됨</translation>
    </message>
    <message>
        <source>[image]</source>
        <translation>[이미지]</translation>
    </message>
    <message>
        <source>Model %1 is not available</source>
        <translation>모델 %1을(를) 사용할 수 없습니다</translation>
    </message>
</context>
<context>
    <name>mumu::GenerationSettings</name>
    <message>
        <source>Automatic (GPU when present)</source>
        <translation>자동 (GPU가 있으면 GPU)</translation>
    </message>
</context>
<context>
    <name>mumu::HistoryDb</name>
    <message>
        <source>the history database &apos;%1&apos; is locked by another program (is another MUMU Studio running?). Close it and try again; nothing was changed.</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 다른 프로그램에 의해 잠겨 있습니다(다른 MUMU Studio가 실행 중인가요?). 해당 프로그램을 닫고 다시 시도하세요. 변경된 내용은 없습니다.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; is read-only, so the change was not saved. Check the permissions of the file and its folder.</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 읽기 전용이라 변경 사항을 저장하지 못했습니다. 파일과 해당 폴더의 권한을 확인하세요.</translation>
    </message>
    <message>
        <source>the disk holding &apos;%1&apos; is full, so the change was not saved. Free some space and try again.</source>
        <translation>&apos;%1&apos;이(가) 있는 디스크가 가득 차서 변경 사항을 저장하지 못했습니다. 공간을 확보한 후 다시 시도하세요.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; is damaged (%2). MUMU Studio will not write to it; copy it somewhere safe before trying to repair it.</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 손상되었습니다(%2). MUMU Studio는 이 파일에 쓰지 않습니다. 복구를 시도하기 전에 안전한 곳에 복사해 두세요.</translation>
    </message>
    <message>
        <source>a disk error occurred on &apos;%1&apos; (%2); the change was not saved.</source>
        <translation>&apos;%1&apos;에서 디스크 오류가 발생했습니다(%2). 변경 사항은 저장되지 않았습니다.</translation>
    </message>
    <message>
        <source>the history database &apos;%1&apos; cannot be opened (%2).</source>
        <translation>기록 데이터베이스 &apos;%1&apos;을(를) 열 수 없습니다(%2).</translation>
    </message>
    <message>
        <source>Cannot create the folder &apos;%1&apos; for the history database.</source>
        <translation>기록 데이터베이스용 폴더 &apos;%1&apos;을(를) 만들 수 없습니다.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a file, so it cannot hold the history.</source>
        <translation>&apos;%1&apos;은(는) 파일이 아니므로 기록을 저장할 수 없습니다.</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; cannot be read: %2</source>
        <translation>기록 데이터베이스 &apos;%1&apos;을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>It was left untouched. Move it away (or restore a backup) to start a new history.</source>
        <translation>파일은 그대로 두었습니다. 새 기록을 시작하려면 파일을 다른 곳으로 옮기거나 백업을 복원하세요.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a MUMU Studio history database (it is not an SQLite file). %2</source>
        <translation>&apos;%1&apos;은(는) MUMU Studio 기록 데이터베이스가 아닙니다(SQLite 파일이 아님). %2</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged (bad page size in its header). %2</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 손상되었습니다(헤더의 페이지 크기가 잘못됨). %2</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged: it is truncated (%2 of %3 bytes). %4</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 손상되었습니다: 파일이 잘려 있습니다(%3바이트 중 %2바이트). %4</translation>
    </message>
    <message>
        <source>Cannot open the history</source>
        <translation>기록을 열 수 없습니다</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; was written by a newer MUMU Studio (schema version %2; this version reads up to %3). It was left untouched; update MUMU Studio to open it.</source>
        <translation>기록 데이터베이스 &apos;%1&apos;은(는) 더 새로운 버전의 MUMU Studio에서 작성되었습니다(스키마 버전 %2, 이 버전은 %3까지 읽을 수 있음). 파일은 그대로 두었습니다. 열려면 MUMU Studio를 업데이트하세요.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is an SQLite database but not a MUMU Studio history (it holds other tables). It was left untouched; choose another file.</source>
        <translation>&apos;%1&apos;은(는) SQLite 데이터베이스이지만 MUMU Studio 기록이 아닙니다(다른 테이블이 들어 있음). 파일은 그대로 두었습니다. 다른 파일을 선택하세요.</translation>
    </message>
    <message>
        <source>The history database &apos;%1&apos; is damaged: its table of generations is missing. It was left untouched.</source>
        <translation>기록 데이터베이스 &apos;%1&apos;이(가) 손상되었습니다: 생성 기록 테이블이 없습니다. 파일은 그대로 두었습니다.</translation>
    </message>
    <message>
        <source>Cannot prepare the history for its upgrade</source>
        <translation>기록 업그레이드를 준비할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot back up the history database &apos;%1&apos; before upgrading it (is the disk full?); it was left unchanged.</source>
        <translation>업그레이드 전에 기록 데이터베이스 &apos;%1&apos;을(를) 백업할 수 없습니다(디스크가 가득 찼나요?). 파일은 변경되지 않았습니다.</translation>
    </message>
    <message>
        <source>Internal error: history migration to version %1 follows version %2.</source>
        <translation>내부 오류: 버전 %1(으)로의 기록 마이그레이션이 버전 %2 뒤에 있습니다.</translation>
    </message>
    <message>
        <source>Cannot upgrade the history database to version %1 (%2); it was left at version %3</source>
        <translation>기록 데이터베이스를 버전 %1(으)로 업그레이드할 수 없습니다(%2). 버전 %3 상태로 유지됩니다</translation>
    </message>
    <message>
        <source>Cannot rename &apos;%1&apos; to &apos;%2&apos;.</source>
        <translation>&apos;%1&apos;의 이름을 &apos;%2&apos;(으)로 바꿀 수 없습니다.</translation>
    </message>
    <message>
        <source>Cannot add &apos;%1&apos; to the history: %2</source>
        <translation>&apos;%1&apos;을(를) 기록에 추가할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Cannot add &apos;%1&apos; to the history</source>
        <translation>&apos;%1&apos;을(를) 기록에 추가할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot add %1 images to the history</source>
        <translation>이미지 %1개를 기록에 추가할 수 없습니다</translation>
    </message>
    <message>
        <source>the history is not open</source>
        <translation>기록이 열려 있지 않습니다</translation>
    </message>
    <message>
        <source>The history is not open</source>
        <translation>기록이 열려 있지 않습니다</translation>
    </message>
    <message>
        <source>Cannot read the history</source>
        <translation>기록을 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>No generation %1 in the history</source>
        <translation>기록에 생성 항목 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>Cannot search the history</source>
        <translation>기록을 검색할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot change the star</source>
        <translation>별표를 변경할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot change the rating</source>
        <translation>평점을 변경할 수 없습니다</translation>
    </message>
    <message>
        <source>a rating is 0 to 5 stars, not %1</source>
        <translation>평점은 별 0~5개여야 합니다(입력값: %1)</translation>
    </message>
    <message>
        <source>Cannot record the thumbnail</source>
        <translation>썸네일을 저장할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot delete from the history</source>
        <translation>기록에서 삭제할 수 없습니다</translation>
    </message>
    <message>
        <source>nothing is selected</source>
        <translation>선택된 항목이 없습니다</translation>
    </message>
    <message>
        <source>Cannot restore the deleted images</source>
        <translation>삭제한 이미지를 복원할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot empty the trash</source>
        <translation>휴지통을 비울 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot create the board &apos;%1&apos;</source>
        <translation>보드 &apos;%1&apos;을(를) 만들 수 없습니다</translation>
    </message>
    <message>
        <source>A board needs a name.</source>
        <translation>보드 이름을 입력해야 합니다.</translation>
    </message>
    <message>
        <source>A board named &apos;%1&apos; already exists.</source>
        <translation>&apos;%1&apos; 보드가 이미 있습니다.</translation>
    </message>
    <message>
        <source>Cannot rename the board</source>
        <translation>보드 이름을 바꿀 수 없습니다</translation>
    </message>
    <message>
        <source>No board %1</source>
        <translation>보드 %1이(가) 없습니다</translation>
    </message>
    <message>
        <source>Cannot delete the board</source>
        <translation>보드를 삭제할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot read the boards</source>
        <translation>보드를 읽을 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot add to the board</source>
        <translation>보드에 추가할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot remove from the board</source>
        <translation>보드에서 제거할 수 없습니다</translation>
    </message>
    <message>
        <source>Cannot export to &apos;%1&apos;</source>
        <translation>&apos;%1&apos;에 내보낼 수 없습니다</translation>
    </message>
    <message>
        <source>the folder cannot be created</source>
        <translation>폴더를 만들 수 없습니다</translation>
    </message>
    <message>
        <source>the image &apos;%1&apos; no longer exists</source>
        <translation>이미지 &apos;%1&apos;이(가) 더 이상 존재하지 않습니다</translation>
    </message>
    <message>
        <source>copying &apos;%1&apos; failed (is the disk full?)</source>
        <translation>&apos;%1&apos; 복사에 실패했습니다(디스크가 가득 찼나요?)</translation>
    </message>
</context>
<context>
    <name>mumu::ImageViewer</name>
    <message>
        <source>missing</source>
        <translation>없음</translation>
    </message>
    <message>
        <source>Reference image not found: %1</source>
        <translation>참조 이미지를 찾을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>메모: %1</translation>
    </message>
    <message>
        <source>No heat map for this segment.</source>
        <translation>이 세그먼트의 히트맵이 없습니다.</translation>
    </message>
    <message>
        <source>Zoom out (-, mouse wheel)</source>
        <translation>축소(-, 마우스 휠)</translation>
    </message>
    <message>
        <source>Zoom in (+, mouse wheel)</source>
        <translation>확대(+, 마우스 휠)</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>맞춤</translation>
    </message>
    <message>
        <source>Fit the image to the window (0)</source>
        <translation>이미지를 창에 맞춤(0)</translation>
    </message>
    <message>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <source>Actual size: one image pixel per screen pixel (1)</source>
        <translation>실제 크기: 이미지 픽셀 1개를 화면 픽셀 1개로 표시(1)</translation>
    </message>
    <message>
        <source>Heat map opacity</source>
        <translation>히트맵 불투명도</translation>
    </message>
    <message>
        <source>Opacity of the attention heat map over the image</source>
        <translation>이미지 위에 겹쳐 표시되는 어텐션 히트맵의 불투명도</translation>
    </message>
    <message>
        <source>Attention inspector</source>
        <translation>어텐션 검사기</translation>
    </message>
    <message>
        <source>No recipe: nothing to inspect.</source>
        <translation>레시피 없음: 검사할 내용이 없습니다.</translation>
    </message>
    <message>
        <source>No attention record for this image.</source>
        <translation>이 이미지에는 어텐션 기록이 없습니다.</translation>
    </message>
    <message>
        <source>No heat maps: %1</source>
        <translation>히트맵 없음: %1</translation>
    </message>
    <message>
        <source>The attention record has %1 segments but the recipe has %2; heat maps are shown for the first %3.</source>
        <translation>어텐션 기록의 세그먼트는 %1개지만 레시피의 세그먼트는 %2개입니다. 처음 %3개에 대해서만 히트맵을 표시합니다.</translation>
    </message>
    <message>
        <source>Hover a phrase or reference image to see the region of the image it drove.</source>
        <translation>구절이나 참조 이미지 위에 마우스를 올리면 그 요소가 영향을 준 이미지 영역이 표시됩니다.</translation>
    </message>
</context>
<context>
    <name>mumu::MainWindow</name>
    <message>
        <source>Open Image</source>
        <translation>이미지 열기</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>The %1 translation could not be loaded.</source>
        <translation>%1 번역을 불러올 수 없습니다.</translation>
    </message>
    <message>
        <source>MUMU Studio</source>
        <translation>MUMU 스튜디오</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>만들기</translation>
    </message>
    <message>
        <source>History</source>
        <translation>기록</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>학습</translation>
    </message>
    <message>
        <source>Bootstrap data sets from captioned images and train MUMU models.</source>
        <translation>캡션이 있는 이미지로 데이터 세트를 부트스트랩하고 MUMU 모델을 학습합니다.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Image…</source>
        <translation>이미지 열기(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>끝내기(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>편집(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>실행 취소(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>다시 실행(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>언어(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About MUMU Studio</source>
        <translation>MUMU 스튜디오 정보(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Qt 정보(&amp;Q)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <source>About MUMU Studio</source>
        <translation>MUMU 스튜디오 정보</translation>
    </message>
    <message>
        <source>&lt;h3&gt;MUMU Studio %1&lt;/h3&gt;&lt;p&gt;Image generation from prompts that mix text and reference images (MUMU, arXiv 2406.18790).&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MUMU 스튜디오 %1&lt;/h3&gt;&lt;p&gt;텍스트와 참조 이미지를 섞은 프롬프트로 이미지를 생성합니다 (MUMU, arXiv 2406.18790).&lt;/p&gt;</translation>
    </message>
    <message>
        <source>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;Compute: %4, %5 threads</source>
        <translation>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;연산: %4, 스레드 %5개</translation>
    </message>
    <message>
        <source>CUDA (%1 devices)</source>
        <translation>CUDA (장치 %1개)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Reuse</source>
        <translation>다시 사용</translation>
    </message>
    <message>
        <source>This recipe cannot be reused: %1</source>
        <translation>이 레시피를 다시 사용할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Recovered the prompt and settings of %1 (no reference images in it)</source>
        <translation>%1의 프롬프트와 설정을 복원했습니다(참조 이미지 없음)</translation>
    </message>
    <message>
        <source>Recovered the recipe of %1</source>
        <translation>%1의 레시피를 복원했습니다</translation>
    </message>
    <message>
        <source>The history database could not be opened:
%1

Set it aside (it is renamed and kept) and start a new history?</source>
        <translation>기록 데이터베이스를 열 수 없습니다:
%1

이 파일을 따로 보관하고(이름을 바꿔 유지함) 새 기록을 시작할까요?</translation>
    </message>
    <message>
        <source>Still no history: %1</source>
        <translation>여전히 기록을 사용할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Generation failed: %1</source>
        <translation>생성 실패: %1</translation>
    </message>
    <message>
        <source>Write a prompt or drop a reference image first.</source>
        <translation>먼저 프롬프트를 입력하거나 참조 이미지를 끌어다 놓으세요.</translation>
    </message>
    <message>
        <source>Queued.</source>
        <translation>대기열에 추가되었습니다.</translation>
    </message>
    <message>
        <source>Saved %1, but not added to the history: %2</source>
        <translation>%1을(를) 저장했지만 기록에 추가하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>생성</translation>
    </message>
    <message>
        <source>Add this prompt to the queue (Ctrl+Return)</source>
        <translation>이 프롬프트를 대기열에 추가(Ctrl+Return)</translation>
    </message>
    <message>
        <source>Viewer</source>
        <translation>뷰어</translation>
    </message>
    <message>
        <source>The image was made on %1, which this machine lacks: it runs on the CPU and the pixels will not match bit for bit</source>
        <translation>이 이미지는 이 컴퓨터에 없는 %1에서 만들어졌습니다: CPU에서 실행하므로 픽셀이 비트 단위로 일치하지 않습니다</translation>
    </message>
</context>
<context>
    <name>mumu::ModelRegistry</name>
    <message>
        <source>No mumu.json in %1</source>
        <translation>%1에 mumu.json이 없습니다</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>기본값</translation>
    </message>
    <message>
        <source>The nano model is not installed (looked in: %1)</source>
        <translation>nano 모델이 설치되어 있지 않습니다(찾은 위치: %1)</translation>
    </message>
    <message>
        <source>SDXL checkpoint not found: %1</source>
        <translation>SDXL 체크포인트를 찾을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Idefics2 folder not found: %1</source>
        <translation>Idefics2 폴더를 찾을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>An SDXL checkpoint with Idefics2 needs a trained MUMU connector; import a MUMU package that uses them instead</source>
        <translation>Idefics2와 함께 쓰는 SDXL 체크포인트에는 학습된 MUMU 커넥터가 필요합니다. 대신 이 둘을 사용하는 MUMU 패키지를 가져오세요</translation>
    </message>
    <message>
        <source>Not an Idefics2 folder (no config.json): %1</source>
        <translation>Idefics2 폴더가 아닙니다(config.json 없음): %1</translation>
    </message>
</context>
<context>
    <name>mumu::PromptComposer</name>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1이(가) 존재하지 않습니다.</translation>
    </message>
    <message>
        <source>%1 is a folder, not an image.</source>
        <translation>%1은(는) 이미지가 아니라 폴더입니다.</translation>
    </message>
    <message>
        <source>%1 is empty (0 bytes).</source>
        <translation>%1이(가) 비어 있습니다(0바이트).</translation>
    </message>
    <message>
        <source>%1 cannot be read: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>%1 is not an image (or a format that cannot be read).</source>
        <translation>%1은(는) 이미지가 아니거나 읽을 수 없는 형식입니다.</translation>
    </message>
    <message>
        <source>%1 cannot be decoded as an image: %2</source>
        <translation>%1을(를) 이미지로 디코딩할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Weight: %1</source>
        <translation>가중치: %1</translation>
    </message>
    <message>
        <source>Crop: %1</source>
        <translation>크롭 영역: %1</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>메모: %1</translation>
    </message>
    <message>
        <source>Double-click to edit, drag to move.</source>
        <translation>두 번 클릭하면 편집, 드래그하면 이동합니다.</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>실행 취소</translation>
    </message>
    <message>
        <source>Undo the last edit of the prompt</source>
        <translation>프롬프트의 마지막 편집 실행 취소</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>다시 실행</translation>
    </message>
    <message>
        <source>Redo the edit that was undone</source>
        <translation>실행 취소한 편집 다시 실행</translation>
    </message>
    <message>
        <source>Syntax</source>
        <translation>구문</translation>
    </message>
    <message>
        <source>Show and edit the prompt as text, with [img:path:weight@x,y,w,h] for images</source>
        <translation>프롬프트를 텍스트로 표시하고 편집합니다. 이미지는 [img:path:weight@x,y,w,h]로 표기됩니다</translation>
    </message>
    <message>
        <source>Describe the image. Drop or paste reference images where they belong among the words. Ctrl+Return generates.</source>
        <translation>이미지를 설명하세요. 참조 이미지를 단어 사이 원하는 위치에 끌어다 놓거나 붙여넣으세요. Ctrl+Return으로 생성합니다.</translation>
    </message>
    <message>
        <source>a photo of [img:cat.png] (wearing a red hat:1.3)</source>
        <translation>a photo of [img:cat.png] (wearing a red hat:1.3)</translation>
    </message>
    <message>
        <source>%1 could not be stored.</source>
        <translation>%1을(를) 저장할 수 없습니다.</translation>
    </message>
    <message>
        <source>Nothing was added.</source>
        <translation>아무것도 추가되지 않았습니다.</translation>
    </message>
    <message>
        <source>Some images were not added.</source>
        <translation>일부 이미지가 추가되지 않았습니다.</translation>
    </message>
    <message>
        <source>The pasted image is empty; nothing was added.</source>
        <translation>붙여넣은 이미지가 비어 있어 아무것도 추가되지 않았습니다.</translation>
    </message>
    <message>
        <source>Cannot paste the image: there is no asset store to keep it in. Drop an image file instead.</source>
        <translation>이미지를 붙여넣을 수 없습니다: 이미지를 보관할 에셋 저장소가 없습니다. 대신 이미지 파일을 끌어다 놓으세요.</translation>
    </message>
    <message>
        <source>The pasted image could not be stored: %1</source>
        <translation>붙여넣은 이미지를 저장할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Select the words to weight first.</source>
        <translation>먼저 가중치를 줄 단어를 선택하세요.</translation>
    </message>
    <message>
        <source>The dropped prompt could not be read: %1</source>
        <translation>끌어다 놓은 프롬프트를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Only image files on this computer can be dropped; nothing was added.</source>
        <translation>이 컴퓨터에 있는 이미지 파일만 끌어다 놓을 수 있습니다. 아무것도 추가되지 않았습니다.</translation>
    </message>
    <message numerus="yes">
        <source>%n dropped link(s) are not local files and were skipped.</source>
        <translation>
            <numerusform>끌어다 놓은 링크 %n개는 로컬 파일이 아니어서 건너뛰었습니다.</numerusform>
        </translation>
    </message>
    <message>
        <source>Syntax error at line %1, column %2: %3</source>
        <translation>%1행 %2열 구문 오류: %3</translation>
    </message>
    <message>
        <source>Edit reference image…</source>
        <translation>참조 이미지 편집…</translation>
    </message>
    <message>
        <source>Remove reference image</source>
        <translation>참조 이미지 제거</translation>
    </message>
    <message>
        <source>Weight…</source>
        <translation>가중치…</translation>
    </message>
    <message>
        <source>Phrase weight</source>
        <translation>구절 가중치</translation>
    </message>
    <message>
        <source>Weight of the selected words (1 = normal, 0 = ignored):</source>
        <translation>선택한 단어의 가중치(1 = 보통, 0 = 무시):</translation>
    </message>
</context>
<context>
    <name>mumu::PromptDocument</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>mumu::QueueView</name>
    <message>
        <source>seed %1</source>
        <translation>시드 %1</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Cancel the selected job (a running one stops after its current step)</source>
        <translation>선택한 작업 취소(실행 중인 작업은 현재 스텝이 끝난 후 중지됨)</translation>
    </message>
    <message>
        <source>Cancel all</source>
        <translation>모두 취소</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>다시 시도</translation>
    </message>
    <message>
        <source>Queue a failed or cancelled job again with the same settings and seed</source>
        <translation>실패했거나 취소된 작업을 같은 설정과 시드로 다시 대기열에 추가</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>재개</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>일시 정지</translation>
    </message>
    <message>
        <source>Start the waiting jobs again</source>
        <translation>대기 중인 작업을 다시 시작</translation>
    </message>
    <message>
        <source>Start no new jobs until resumed (the running job finishes)</source>
        <translation>재개할 때까지 새 작업을 시작하지 않음(실행 중인 작업은 끝까지 진행됨)</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>위로</translation>
    </message>
    <message>
        <source>Move the selected job earlier</source>
        <translation>선택한 작업을 앞으로 이동</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>아래로</translation>
    </message>
    <message>
        <source>Move the selected job later</source>
        <translation>선택한 작업을 뒤로 이동</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>완료된 작업 지우기</translation>
    </message>
</context>
<context>
    <name>mumu::RecipeRecoverer</name>
    <message>
        <source>&apos;%1&apos;: no such file</source>
        <translation>&apos;%1&apos;: 파일이 없습니다</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is empty (0 bytes)</source>
        <translation>&apos;%1&apos;이(가) 비어 있습니다(0바이트)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; cannot be read: %2</source>
        <translation>&apos;%1&apos;을(를) 읽을 수 없습니다: %2</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a PNG file: only PNG images carry a recipe (MUMU&apos;s or A1111&apos;s).</source>
        <translation>&apos;%1&apos;은(는) PNG 파일이 아닙니다: 레시피(MUMU 또는 A1111)는 PNG 이미지에만 들어 있습니다.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; carries no recipe: it has neither MUMU Studio&apos;s metadata nor A1111 &quot;parameters&quot; text.</source>
        <translation>&apos;%1&apos;에 레시피가 없습니다: MUMU Studio 메타데이터도, A1111 &quot;parameters&quot; 텍스트도 없습니다.</translation>
    </message>
    <message>
        <source>&apos;%1&apos; was made by another tool: its prompt and settings were read from its A1111 text; there are no reference images.</source>
        <translation>&apos;%1&apos;은(는) 다른 도구로 만든 이미지입니다: 프롬프트와 설정을 A1111 텍스트에서 읽었으며, 참조 이미지는 없습니다.</translation>
    </message>
    <message>
        <source>Cannot read the recipe of &apos;%1&apos;: %2</source>
        <translation>&apos;%1&apos;의 레시피를 읽을 수 없습니다: %2</translation>
    </message>
</context>
<context>
    <name>mumu::SettingsPanel</name>
    <message>
        <source>Save preset</source>
        <translation>프리셋 저장</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>프리셋 이름:</translation>
    </message>
    <message>
        <source>%1 (unavailable)</source>
        <translation>%1(사용 불가)</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>기본값</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>고정</translation>
    </message>
    <message>
        <source>Seed locked: every generation uses this seed (click for a random seed each time)</source>
        <translation>시드 고정됨: 모든 생성에 이 시드를 사용합니다(클릭하면 매번 무작위 시드 사용)</translation>
    </message>
    <message>
        <source>Random seed for every generation (click to lock the seed shown)</source>
        <translation>생성할 때마다 무작위 시드 사용(클릭하면 표시된 시드로 고정)</translation>
    </message>
    <message>
        <source>%1 (not in the model list)</source>
        <translation>%1(모델 목록에 없음)</translation>
    </message>
    <message>
        <source>Import a MUMU model package (folder with mumu.json)</source>
        <translation>MUMU 모델 패키지 가져오기(mumu.json이 있는 폴더)</translation>
    </message>
    <message>
        <source>Import model</source>
        <translation>모델 가져오기</translation>
    </message>
    <message>
        <source>This folder is not a usable MUMU package:
%1</source>
        <translation>이 폴더는 사용할 수 있는 MUMU 패키지가 아닙니다:
%1</translation>
    </message>
    <message>
        <source>SDXL checkpoint</source>
        <translation>SDXL 체크포인트</translation>
    </message>
    <message>
        <source>Safetensors (*.safetensors);;All files (*)</source>
        <translation>Safetensors (*.safetensors);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Idefics2 folder</source>
        <translation>Idefics2 폴더</translation>
    </message>
    <message>
        <source>Add model</source>
        <translation>모델 추가</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>모델(&amp;M)</translation>
    </message>
    <message>
        <source>Pre&amp;set</source>
        <translation>프리셋(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;ampler</source>
        <translation>샘플러(&amp;A)</translation>
    </message>
    <message>
        <source>S&amp;teps</source>
        <translation>스텝(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;CFG scale</source>
        <translation>CFG 스케일(&amp;C)</translation>
    </message>
    <message>
        <source>S&amp;eed</source>
        <translation>시드(&amp;E)</translation>
    </message>
    <message>
        <source>Si&amp;ze</source>
        <translation>크기(&amp;Z)</translation>
    </message>
    <message>
        <source>&amp;Batch</source>
        <translation>배치(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Negative prompt</source>
        <translation>네거티브 프롬프트(&amp;N)</translation>
    </message>
    <message>
        <source>Model default</source>
        <translation>모델 기본값</translation>
    </message>
    <message>
        <source>Draw a new random seed</source>
        <translation>새 무작위 시드 뽑기</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>적용</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>저장…</translation>
    </message>
    <message>
        <source>What the image should not show (text and [img:…] references)</source>
        <translation>이미지에 나오지 않아야 할 요소(텍스트 및 [img:…] 참조)</translation>
    </message>
    <message>
        <source>Import MUMU package…</source>
        <translation>MUMU 패키지 가져오기…</translation>
    </message>
    <message>
        <source>Add SDXL checkpoint + Idefics2…</source>
        <translation>SDXL 체크포인트 + Idefics2 추가…</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>목록에서 제거</translation>
    </message>
    <message>
        <source>Rescan models</source>
        <translation>모델 다시 검색</translation>
    </message>
    <message>
        <source>Import or remove models</source>
        <translation>모델 가져오기 또는 제거</translation>
    </message>
    <message>
        <source>%1 (not on this machine)</source>
        <translation>%1 (이 컴퓨터에 없음)</translation>
    </message>
    <message>
        <source>De&amp;vice</source>
        <translation>장치(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Precision</source>
        <translation>정밀도(&amp;P)</translation>
    </message>
    <message>
        <source>Automatic (GPU when present)</source>
        <translation>자동 (GPU가 있으면 GPU)</translation>
    </message>
    <message>
        <source>Automatic (bfloat16 on a GPU, float32 on the CPU)</source>
        <translation>자동 (GPU에서는 bfloat16, CPU에서는 float32)</translation>
    </message>
    <message>
        <source>Where the model runs. Images made on another device type have other pixels for the same seed.</source>
        <translation>모델이 실행되는 곳입니다. 다른 종류의 장치에서 만든 이미지는 같은 시드라도 픽셀이 다릅니다.</translation>
    </message>
</context>
<context>
    <name>mumu::ZoomView</name>
    <message>
        <source>no file given</source>
        <translation>파일이 지정되지 않았습니다</translation>
    </message>
    <message>
        <source>no such file</source>
        <translation>파일이 없습니다</translation>
    </message>
    <message>
        <source>the file is empty (0 bytes)</source>
        <translation>파일이 비어 있습니다(0바이트)</translation>
    </message>
    <message>
        <source>Cannot open the image %1: %2</source>
        <translation>이미지 %1을(를) 열 수 없습니다: %2</translation>
    </message>
</context>
</TS>
