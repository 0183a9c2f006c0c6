<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>mumu::MainWindow</name>
    <message>
        <source>Open Image</source>
        <translation>이미지 열기</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff)</source>
        <translation>이미지 (*.png *.jpg *.jpeg *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>%1 열림</translation>
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
        <source>Prompt</source>
        <translation>프롬프트</translation>
    </message>
    <message>
        <source>Write the prompt and drop reference images among the words, each right before the word it depicts.</source>
        <translation>프롬프트를 쓰고 참조 이미지를 단어 사이에 끌어다 놓으세요. 각 이미지는 그것이 나타내는 단어 바로 앞에 둡니다.</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>대기열</translation>
    </message>
    <message>
        <source>Generations waiting and running, with live previews.</source>
        <translation>대기 중이거나 실행 중인 생성 작업과 실시간 미리 보기.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Model, sampler, steps, guidance, seed, size and batch.</source>
        <translation>모델, 샘플러, 단계 수, 가이던스, 시드, 크기, 배치.</translation>
    </message>
    <message>
        <source>Every image you generate, with its full recipe, searchable.</source>
        <translation>생성한 모든 이미지와 전체 레시피를 검색할 수 있습니다.</translation>
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
</context>
</TS>