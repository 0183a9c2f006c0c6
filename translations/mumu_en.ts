<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>mumu::MainWindow</name>
    <message>
        <source>Open Image</source>
        <translation>Open Image</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff)</source>
        <translation>Images (*.png *.jpg *.jpeg *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>Opened %1</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The %1 translation could not be loaded.</source>
        <translation>The %1 translation could not be loaded.</translation>
    </message>
    <message>
        <source>MUMU Studio</source>
        <translation>MUMU Studio</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>History</source>
        <translation>History</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Write the prompt and drop reference images among the words, each right before the word it depicts.</source>
        <translation>Write the prompt and drop reference images among the words, each right before the word it depicts.</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>Generations waiting and running, with live previews.</source>
        <translation>Generations waiting and running, with live previews.</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Model, sampler, steps, guidance, seed, size and batch.</source>
        <translation>Model, sampler, steps, guidance, seed, size and batch.</translation>
    </message>
    <message>
        <source>Every image you generate, with its full recipe, searchable.</source>
        <translation>Every image you generate, with its full recipe, searchable.</translation>
    </message>
    <message>
        <source>Bootstrap data sets from captioned images and train MUMU models.</source>
        <translation>Bootstrap data sets from captioned images and train MUMU models.</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Open Image…</source>
        <translation>&amp;Open Image…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Edit</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Undo</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Redo</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Language</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>&amp;About MUMU Studio</source>
        <translation>&amp;About MUMU Studio</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>About &amp;Qt</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>About MUMU Studio</source>
        <translation>About MUMU Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;MUMU Studio %1&lt;/h3&gt;&lt;p&gt;Image generation from prompts that mix text and reference images (MUMU, arXiv 2406.18790).&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MUMU Studio %1&lt;/h3&gt;&lt;p&gt;Image generation from prompts that mix text and reference images (MUMU, arXiv 2406.18790).&lt;/p&gt;</translation>
    </message>
    <message>
        <source>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;Compute: %4, %5 threads</source>
        <translation>libtorch %1 · Qt %2 · OpenImageIO %3&lt;br&gt;Compute: %4, %5 threads</translation>
    </message>
    <message>
        <source>CUDA (%1 devices)</source>
        <translation>CUDA (%1 devices)</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
</context>
</TS>